//! Jaro and Jaro-Winkler similarity, as `strsim` computes them, for the
//! short ASCII words the matcher compares. `strsim` walks both strings as
//! `char` iterators from the start for every character and allocates its
//! flags; here the words are bytes, the flags are bits, and the result is
//! the same number (the same formula in the same order). Anything else
//! (longer than 64 bytes, or not ASCII) goes to `strsim`.

/// The longest word handled here: one bit per byte in a `u64`.
const MAX: usize = 64;

/// The Jaro similarity of `a` and `b`, equal to `strsim::jaro(a, b)`.
pub(crate) fn jaro(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if x.len() > MAX || y.len() > MAX || !a.is_ascii() || !b.is_ascii() {
        return strsim::jaro(a, b);
    }
    jaro_bytes(x, y)
}

/// The Jaro-Winkler similarity of `a` and `b` (prefix of up to 4, scale
/// 0.1, only above 0.7), equal to `strsim::jaro_winkler(a, b)`.
pub(crate) fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if x.len() > MAX || y.len() > MAX || !a.is_ascii() || !b.is_ascii() {
        return strsim::jaro_winkler(a, b);
    }
    let sim = jaro_bytes(x, y);
    if sim > 0.7 {
        let prefix = x.iter().take(4).zip(y).take_while(|(p, q)| p == q).count();
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

/// Whether `jaro_winkler(a, b) >= min`, without computing it when a bound
/// says no. Jaro's matches pair equal bytes, so there are no more of them
/// than bytes of `a` found anywhere in `b` (and the other way round); with
/// no transposition and the actual common prefix the score can only be
/// lower than the bound. The bytes found are first bounded by the
/// letters one word has and the other has not (a bit each), then counted.
pub(crate) fn jaro_winkler_at_least(a: &str, b: &str, min: f64) -> bool {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !x.is_empty()
        && !y.is_empty()
        && x.len() <= MAX
        && y.len() <= MAX
        && a.is_ascii()
        && b.is_ascii()
    {
        let prefix = x.iter().take(4).zip(y).take_while(|(p, q)| p == q).count();
        let bound = |m: usize| {
            let j = ((m as f64 / x.len() as f64) + (m as f64 / y.len() as f64) + 1.0) / 3.0;
            if m == 0 {
                0.0
            } else {
                j + 0.1 * prefix as f64 * (1.0 - j)
            }
        };
        let (lx, ly) = (letters(x), letters(y));
        let m = (x.len() - (lx & !ly).count_ones() as usize)
            .min(y.len() - (ly & !lx).count_ones() as usize);
        if bound(m) + 1e-9 < min {
            return false;
        }
        let set = |s: &[u8]| s.iter().fold(0u128, |m, &c| m | (1u128 << (c & 127)));
        let (sx, sy) = (set(x), set(y));
        let found = |s: &[u8], other: u128| {
            s.iter()
                .filter(|&&c| other & (1u128 << (c & 127)) != 0)
                .count()
        };
        if bound(found(x, sy).min(found(y, sx))) + 1e-9 < min {
            return false;
        }
    }
    jaro_winkler(a, b) >= min
}

/// The letters of a word, a bit each: a-z, 0-9 and `~` their own, any
/// other byte one shared bit (which can only make the bound above looser).
fn letters(s: &[u8]) -> u64 {
    s.iter().fold(0u64, |m, &c| {
        let bit = match c {
            b'a'..=b'z' => c - b'a',
            b'0'..=b'9' => 26 + c - b'0',
            b'~' => 36,
            _ => 63,
        };
        m | (1u64 << bit)
    })
}

/// Jaro over bytes (both at most [`MAX`] long).
fn jaro_bytes(x: &[u8], y: &[u8]) -> f64 {
    let (al, bl) = (x.len(), y.len());
    if al == 0 && bl == 0 {
        return 1.0;
    } else if al == 0 || bl == 0 {
        return 0.0;
    }
    let range = (al.max(bl) / 2).saturating_sub(1);
    let (mut af, mut bf) = (0u64, 0u64);
    let mut matches = 0usize;
    for (i, &c) in x.iter().enumerate() {
        let lo = i.saturating_sub(range);
        let hi = bl.min(i + range + 1);
        for (j, &d) in y.iter().enumerate().take(hi).skip(lo) {
            if c == d && bf & (1u64 << j) == 0 {
                af |= 1u64 << i;
                bf |= 1u64 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    // The matched bytes of each, in order: half the pairs that differ are
    // the transpositions.
    let mut transpositions = 0usize;
    let (mut ra, mut rb) = (af, bf);
    while ra != 0 && rb != 0 {
        let (i, j) = (ra.trailing_zeros() as usize, rb.trailing_zeros() as usize);
        if x.get(i) != y.get(j) {
            transpositions += 1;
        }
        ra &= ra - 1;
        rb &= rb - 1;
    }
    transpositions /= 2;
    ((matches as f64 / al as f64)
        + (matches as f64 / bl as f64)
        + ((matches - transpositions) as f64 / matches as f64))
        / 3.0
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    #[test]
    fn the_same_as_strsim_on_known_pairs() {
        for (a, b) in [
            ("", ""),
            ("", "a"),
            ("a", ""),
            ("martha", "marhta"),
            ("dixon", "dicksonx"),
            ("technologies", "technolgies"),
            ("limietd", "limited"),
            ("huawei", "huawie"),
            ("crate", "trace"),
            ("a", "a"),
            ("ab", "ba"),
            ("Friedrich Nietzsche", "Jean-Paul Sartre"),
            ("ünïcödé", "unicode"),
            (&"x".repeat(70), &"x".repeat(69)),
        ] {
            assert_eq!(
                super::jaro(a, b).to_bits(),
                strsim::jaro(a, b).to_bits(),
                "{a} {b}"
            );
            assert_eq!(
                super::jaro_winkler(a, b).to_bits(),
                strsim::jaro_winkler(a, b).to_bits(),
                "{a} {b}"
            );
        }
    }

    proptest! {
        #[test]
        fn the_bound_never_refuses_a_pair(a in "[a-p~.0-2]{0,14}", b in "[a-pA-C~.0-2]{0,14}", min in 0.5f64..1.0) {
            prop_assert_eq!(
                super::jaro_winkler_at_least(&a, &b, min),
                strsim::jaro_winkler(&a, &b) >= min
            );
        }

        #[test]
        fn the_same_as_strsim(a in "[a-e0-2~ ]{0,70}", b in "[a-e0-2~ ]{0,70}") {
            prop_assert_eq!(super::jaro(&a, &b).to_bits(), strsim::jaro(&a, &b).to_bits());
            prop_assert_eq!(
                super::jaro_winkler(&a, &b).to_bits(),
                strsim::jaro_winkler(&a, &b).to_bits()
            );
        }

        #[test]
        fn the_same_as_strsim_on_words(a in "[a-z]{0,14}", b in "[a-z]{0,14}") {
            prop_assert_eq!(super::jaro(&a, &b).to_bits(), strsim::jaro(&a, &b).to_bits());
            prop_assert_eq!(
                super::jaro_winkler(&a, &b).to_bits(),
                strsim::jaro_winkler(&a, &b).to_bits()
            );
        }
    }
}
