//! Restricted-party screening for chipexport: the US Consolidated
//! Screening List as dated data, and a name matcher that explains every
//! match.
//!
//! * [`model`]: the list and its entries (list, names, countries, licence
//!   requirement and policy, Federal Register notices, the
//!   foreign-direct-product footnote parsed from the requirement);
//! * [`load`](mod@load): the shipped snapshot, the CSL's CSV and JSON, OpenSanctions
//!   FollowTheMoney lines; errors name the file, the line and the field,
//!   and nothing is half-imported;
//! * [`normalize`]: NFKC, transliteration, case, punctuation, legal forms;
//! * [`owners`]: ownership files (CSV or TOML) for the affiliates rule;
//! * [`index`]: candidates from tokens and trigrams, a weighted
//!   Jaro-Winkler alignment, the country as a qualifier, and an
//!   explanation for every match.
//!
//! No HTTP, no batch engine.
#![warn(missing_docs)]

pub mod eval;
pub mod index;
pub mod load;
pub mod model;
pub mod normalize;
pub mod owners;
mod sim;

pub use index::{CONFIDENT, DEFAULT_THRESHOLD, Explanation, Hit, Index, MAX_NAME_CHARS, TokenPair};
pub use load::{LoadError, load};
pub use model::{Entry, ListCode, NameKind, ScreeningList};

/// The crate's hash maps: keyed by words and short texts of the list,
/// built once and looked up for every token (SipHash's resistance to
/// chosen keys is not needed here).
pub(crate) type Map<K, V> = std::collections::HashMap<K, V, ahash::RandomState>;

/// The snapshot chipexport ships: the CSL of 31 Jul 2026, compacted and
/// gzipped (`data/screening/`).
const EMBEDDED: &[u8] = include_bytes!("../../../data/screening/csl-2026-07-31.json.gz");

/// The file name the embedded snapshot is known by in messages.
pub const EMBEDDED_NAME: &str = "data/screening/csl-2026-07-31.json.gz";

/// The embedded snapshot's date (its `sourceGeneratedAt`, tested), known
/// without loading it.
pub const EMBEDDED_DATE: jiff::civil::Date = jiff::civil::date(2026, 7, 31);

/// Decompresses gzip data, or returns plain data as it is.
pub fn gunzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(bytes.len() * 5);
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out)?;
        Ok(out)
    } else {
        Ok(bytes.to_vec())
    }
}

/// The embedded snapshot, loaded.
pub fn embedded() -> Result<ScreeningList, LoadError> {
    let bytes = gunzip(EMBEDDED).map_err(|e| LoadError {
        file: EMBEDDED_NAME.into(),
        line: None,
        field: None,
        message: format!("cannot decompress: {e}"),
    })?;
    load::load("csl-2026-07-31.json", &bytes, None)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_snapshot_loads() {
        let l = super::embedded().unwrap();
        assert_eq!(l.entries.len(), 25_921);
        assert_eq!(l.date, jiff::civil::date(2026, 7, 31));
        assert_eq!(l.date, super::EMBEDDED_DATE);
        assert!(super::EMBEDDED_NAME.contains(&super::EMBEDDED_DATE.to_string()));
        let counts = l.counts();
        assert!(counts.contains(&("EL".to_string(), 3_420)));
        assert!(counts.contains(&("SDN".to_string(), 19_181)));
    }
}
