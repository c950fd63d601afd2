//! Deserialising dates from TOML (a native date) or JSON (a string).

use jiff::civil::Date;
use serde::Deserializer;
use serde::de::{self, MapAccess, Visitor};

struct DateVisitor;

impl<'de> Visitor<'de> for DateVisitor {
    type Value = Date;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a date YYYY-MM-DD")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Date, E> {
        crate::parse_date(s).map_err(E::custom)
    }

    // TOML hands a native date over as a one-entry map holding its text.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Date, A::Error> {
        let Some((_, text)) = map.next_entry::<String, String>()? else {
            return Err(de::Error::custom("expected a date YYYY-MM-DD"));
        };
        if text.len() != 10 {
            return Err(de::Error::custom(format!(
                "`{text}` is not a plain date YYYY-MM-DD"
            )));
        }
        crate::parse_date(&text).map_err(de::Error::custom)
    }
}

/// A required date.
pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    d.deserialize_any(DateVisitor)
}

/// An optional date (use with `#[serde(default)]`).
pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    d.deserialize_any(DateVisitor).map(Some)
}
