//! The domain of chipexport: chip specs, control metrics, countries and
//! dated country groups.
//!
//! This crate is small and fast to build on purpose: it has no rule engine
//! and no batch engine, only the facts the rules read.

#![warn(missing_docs)]

pub mod confidence;
pub mod country;
pub mod diag;
pub mod groups;
pub mod metrics;
pub mod names;
pub mod serde_date;
pub mod spec;

pub use confidence::Confidence;
pub use country::{Country, CountryError, CountryErrorKind};
pub use diag::{DataError, Fault, Format, SourceFile, error_chain};
pub use groups::{CountryGroups, Group};
pub use jiff::civil::Date;
pub use metrics::{Metrics, fmt_num};
pub use spec::{ChipSpec, Precision, Throughput};

/// Lower-case hex of bytes (the form of every hash chipexport shows or
/// stores).
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for digit in [b >> 4, b & 0xf] {
            s.push(char::from_digit(u32::from(digit), 16).unwrap_or('0'));
        }
    }
    s
}

/// Parses a `YYYY-MM-DD` date, with a message that says what was expected.
pub fn parse_date(s: &str) -> Result<Date, String> {
    let t = s.trim();
    let ok_shape =
        t.len() == 10 && t.as_bytes().get(4) == Some(&b'-') && t.as_bytes().get(7) == Some(&b'-');
    if !ok_shape {
        return Err(format!("`{t}` is not a date in the form YYYY-MM-DD"));
    }
    t.parse::<Date>()
        .map_err(|e| format!("`{t}` is not a valid date: {e}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_two_lower_case_digits_per_byte() {
        assert_eq!(super::hex(&[]), "");
        assert_eq!(super::hex(&[0x00, 0x0f, 0xa0, 0xff, 0x5c]), "000fa0ff5c");
        let all: Vec<u8> = (0..=255).collect();
        let expected: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(super::hex(&all), expected);
    }
}
