//! The memo's keys: a question key packed into one number (in 64 bits when
//! its parts are small, in 128 otherwise), and the map from packed keys to
//! answer ids.

use super::{Class, EXACT, QuestionKey};
use crate::screen::Map;

/// A question key in one number, for the memo's map (hashed once, half
/// the size of the tuple). Lossless: a class is the number of a signature
/// met in its interval (fewer than there are countries, far below 2^15) or
/// [`EXACT`] and a country's index (below 676).
fn pack(k: QuestionKey) -> u128 {
    let (chip, d, h, f, buyer, interval, parties) = k;
    let class = |c: Class| {
        u128::from(if c & EXACT != 0 {
            0x8000 | (c & 0x7fff)
        } else {
            c & 0x7fff
        })
    };
    u128::from(chip)
        | class(d) << 16
        | class(h) << 32
        | class(f) << 48
        | u128::from(buyer) << 64
        | u128::from(interval) << 72
        | u128::from(parties) << 88
}

/// A question key in 64 bits, when each part is small enough: a chip
/// below 1,024, classes below 1,024 (with the [`EXACT`] bit), a buyer type
/// below 32, an interval below 256 and party facts below 256. Lossless.
fn pack_narrow(k: QuestionKey) -> Option<u64> {
    let (chip, d, h, f, buyer, interval, parties) = k;
    let class = |c: Class| {
        let n = c & !EXACT;
        (n < 1 << 10).then(|| u64::from(c & EXACT != 0) << 10 | u64::from(n))
    };
    if chip >= 1 << 10 || buyer >= 1 << 5 || interval >= 1 << 8 || parties >= 1 << 8 {
        return None;
    }
    Some(
        u64::from(chip)
            | class(d)? << 10
            | class(h)? << 21
            | class(f)? << 32
            | u64::from(buyer) << 43
            | u64::from(interval) << 48
            | u64::from(parties) << 56,
    )
}

/// The memo's map from question keys to answer ids. Keys that fit in 64
/// bits ([`pack_narrow`]: every key, unless the catalog, the classes or the
/// party facts are large) are kept in a map of half the size, which a
/// look-up for every row reads at random.
#[derive(Default)]
pub(in crate::screen) struct Keys {
    narrow: Map<u64, u32>,
    wide: Map<u128, u32>,
}

/// A question key packed for [`Keys`]: in 64 bits when it fits.
#[derive(Clone, Copy)]
pub(in crate::screen) enum Packed {
    Narrow(u64),
    Wide(u128),
}

impl Packed {
    pub(in crate::screen) fn of(k: QuestionKey) -> Packed {
        pack_narrow(k).map_or_else(|| Packed::Wide(pack(k)), Packed::Narrow)
    }
}

impl Keys {
    pub(super) fn get(&self, k: Packed) -> Option<u32> {
        match k {
            Packed::Narrow(n) => self.narrow.get(&n).copied(),
            Packed::Wide(w) => self.wide.get(&w).copied(),
        }
    }

    pub(super) fn insert(&mut self, k: Packed, id: u32) {
        match k {
            Packed::Narrow(n) => self.narrow.insert(n, id),
            Packed::Wide(w) => self.wide.insert(w, id),
        };
    }

    pub(super) fn get_mut(&mut self, k: Packed) -> Option<&mut u32> {
        match k {
            Packed::Narrow(n) => self.narrow.get_mut(&n),
            Packed::Wide(w) => self.wide.get_mut(&w),
        }
    }

    /// How many keys it holds.
    pub(in crate::screen) fn len(&self) -> usize {
        self.narrow.len() + self.wide.len()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use chipexport_domain::Country;

    use super::*;

    /// A class as the memo makes them: a signature's number, or a country
    /// alone.
    fn class() -> impl Strategy<Value = Class> {
        prop_oneof![
            0u32..1_000,
            (0usize..Country::INDEXES).prop_map(|i| EXACT | i as u32)
        ]
    }

    fn key() -> impl Strategy<Value = QuestionKey> {
        (
            any::<u16>(),
            class(),
            class(),
            class(),
            any::<u8>(),
            any::<u16>(),
            any::<u32>(),
        )
    }

    proptest! {
        /// Two keys pack to the same number only when they are the same.
        #[test]
        fn packing_a_key_loses_nothing(a in key(), b in key()) {
            prop_assert_eq!(pack(a) == pack(b), a == b);
        }

        /// Two keys that both fit in 64 bits pack to the same number only
        /// when they are the same; a key whose parts are small fits.
        #[test]
        fn packing_a_key_in_64_bits_loses_nothing(a in key(), b in key()) {
            if let (Some(x), Some(y)) = (pack_narrow(a), pack_narrow(b)) {
                prop_assert_eq!(x == y, a == b);
            }
            let small = (a.0 % 1024, a.1, a.2, a.3, a.4 % 32, a.5 % 256, a.6 % 256);
            prop_assert!(pack_narrow(small).is_some());
        }

        /// Keys that differ in one part pack differently.
        #[test]
        fn each_part_of_a_key_counts(a in key(), part in 0usize..7, c in class()) {
            let mut b = a;
            match part {
                0 => b.0 = b.0.wrapping_add(1),
                1 => b.1 = c,
                2 => b.2 = c,
                3 => b.3 = c,
                4 => b.4 = b.4.wrapping_add(1),
                5 => b.5 = b.5.wrapping_add(1),
                _ => b.6 = b.6.wrapping_add(1),
            }
            prop_assert_eq!(pack(a) == pack(b), a == b);
            if let (Some(x), Some(y)) = (pack_narrow(a), pack_narrow(b)) {
                prop_assert_eq!(x == y, a == b);
            }
        }
    }
}
