//! The list model: a dated screening list and its entries, as the
//! Consolidated Screening List publishes them, with what the rules read
//! (the list, the licence requirement, its foreign-direct-product footnote,
//! the policy) parsed once.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Which list an entry is on. The US lists of the Consolidated Screening
/// List by their CSL codes; anything else keeps its name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ListCode {
    /// BIS Entity List (15 CFR 744.11, 744.16, Supp. 4 to Part 744).
    #[serde(rename = "EL")]
    EntityList,
    /// OFAC Specially Designated Nationals.
    #[serde(rename = "SDN")]
    Sdn,
    /// BIS Denied Persons List.
    #[serde(rename = "DPL")]
    Dpl,
    /// BIS Unverified List (15 CFR 744.15).
    #[serde(rename = "UVL")]
    Uvl,
    /// BIS Military End User List (15 CFR 744.21).
    #[serde(rename = "MEU")]
    Meu,
    /// OFAC Non-SDN Chinese Military-Industrial Complex Companies List.
    #[serde(rename = "CMIC")]
    Cmic,
    /// OFAC Sectoral Sanctions Identifications List.
    #[serde(rename = "SSI")]
    Ssi,
    /// State Department nonproliferation sanctions.
    #[serde(rename = "ISN")]
    Isn,
    /// State Department ITAR debarred parties.
    #[serde(rename = "DTC")]
    Dtc,
    /// OFAC Palestinian Legislative Council list.
    #[serde(rename = "PLC")]
    Plc,
    /// OFAC Non-SDN Menu-Based Sanctions list.
    #[serde(rename = "NS-MBS")]
    NsMbs,
    /// OFAC CAPTA list.
    #[serde(rename = "CAP")]
    Cap,
    /// Any other list, by its name.
    #[serde(untagged)]
    Other(String),
}

impl ListCode {
    /// The code ("EL", "SDN", …) or the other list's name.
    pub fn code(&self) -> &str {
        match self {
            ListCode::EntityList => "EL",
            ListCode::Sdn => "SDN",
            ListCode::Dpl => "DPL",
            ListCode::Uvl => "UVL",
            ListCode::Meu => "MEU",
            ListCode::Cmic => "CMIC",
            ListCode::Ssi => "SSI",
            ListCode::Isn => "ISN",
            ListCode::Dtc => "DTC",
            ListCode::Plc => "PLC",
            ListCode::NsMbs => "NS-MBS",
            ListCode::Cap => "CAP",
            ListCode::Other(s) => s,
        }
    }

    /// The list of a CSL source name ("Entity List (EL) - Bureau of
    /// Industry and Security") or of a bare code ("EL").
    pub fn from_source(source: &str) -> ListCode {
        let code = source
            .rsplit_once('(')
            .and_then(|(_, rest)| rest.split_once(')'))
            .map_or(source.trim(), |(c, _)| c.trim());
        let code = code.strip_suffix(" List").unwrap_or(code);
        match code.to_ascii_uppercase().as_str() {
            "EL" => ListCode::EntityList,
            "SDN" => ListCode::Sdn,
            "DPL" => ListCode::Dpl,
            "UVL" => ListCode::Uvl,
            "MEU" => ListCode::Meu,
            "CMIC" => ListCode::Cmic,
            "SSI" => ListCode::Ssi,
            "ISN" => ListCode::Isn,
            "DTC" => ListCode::Dtc,
            "PLC" => ListCode::Plc,
            "NS-MBS" => ListCode::NsMbs,
            "CAP" => ListCode::Cap,
            _ => ListCode::Other(source.trim().to_string()),
        }
    }

    /// How severe a hit on this list is for an export, most severe first
    /// (used to order matches of equal score).
    pub fn rank(&self) -> u8 {
        match self {
            ListCode::Dpl => 0,
            ListCode::Sdn => 1,
            ListCode::EntityList => 2,
            ListCode::Meu => 3,
            ListCode::Uvl => 4,
            ListCode::Cmic | ListCode::Ssi | ListCode::NsMbs | ListCode::Cap => 5,
            ListCode::Isn | ListCode::Dtc | ListCode::Plc => 6,
            ListCode::Other(_) => 7,
        }
    }
}

impl std::fmt::Display for ListCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// One entry of a screening list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// A stable id: the list's code and a hash of the list, the name and
    /// the countries (e.g. `EL-5c0f1d2a9b`), or the source's own id.
    pub id: String,
    /// The list.
    pub list: ListCode,
    /// The list's full name as published.
    pub source: String,
    /// The name as published.
    pub name: String,
    /// Alternative names as published.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alt_names: Vec<String>,
    /// Entity, Individual, Vessel, Aircraft, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Address countries (ISO 3166 alpha-2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
    /// The list's own entity number, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_number: Option<String>,
    /// The licence requirement as published (BIS lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_requirement: Option<String>,
    /// The licence review policy as published (BIS lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_policy: Option<String>,
    /// Sanctions programmes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub programs: Vec<String>,
    /// Federal Register notices as published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federal_register: Option<String>,
    /// The date the entry was listed, when the source gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<Date>,
}

impl Entry {
    /// The footnote numbers glued to the licence requirement ("…744.11 of
    /// the EAR)4", "734.9(e)1", "734.9(g),3"): 1 Huawei FDP (§734.9(e)(1)),
    /// 2 the Huawei-related licence scope, 3 Russia/Belarus MEU FDP
    /// (§734.9(g)), 4 advanced computing and supercomputer FDP
    /// (§734.9(e)(2)), 5 semiconductor manufacturing FDP (§734.9(e)(3)).
    pub fn footnotes(&self) -> Vec<u8> {
        self.license_requirement
            .as_deref()
            .map_or_else(Vec::new, footnotes)
    }

    /// The most reaching foreign-direct-product footnote that makes
    /// foreign-made items subject to the EAR for this entry (1, 4 or 5),
    /// 0 when none.
    pub fn fdp_footnote(&self) -> u8 {
        let f = self.footnotes();
        [1u8, 4, 5].into_iter().find(|n| f.contains(n)).unwrap_or(0)
    }

    /// Whether the entry covers "any successor, sub-unit, or subsidiary".
    pub fn covers_subsidiaries(&self) -> bool {
        let n = self.name.to_ascii_lowercase();
        n.contains("any successor") || n.contains("sub-unit")
    }

    /// The listed parent of an "X. Affiliated Entity: Y" entry.
    pub fn parent(&self) -> Option<&str> {
        self.name
            .split_once("Affiliated Entity:")
            .map(|(p, _)| p.trim().trim_end_matches('.').trim())
    }

    /// The review policy the entry's text states, in the rules' words:
    /// `presumption_of_denial` (also for "policy of denial"),
    /// `case_by_case`, `presumption_of_approval`; `None` when the text only
    /// refers elsewhere ("See §744.3(d)") or is absent.
    pub fn policy(&self) -> Option<&'static str> {
        let p = self.license_policy.as_deref()?.to_ascii_lowercase();
        let denial = p.find("denial");
        let cbc = p.find("case-by-case").or_else(|| p.find("case by case"));
        let approval = p.find("approval");
        // The policy stated first is the general one ("Presumption of
        // denial except case-by-case for …", "Case-by-case … ; presumption
        // of denial for all other items"): the stricter wins for chips.
        match (denial, cbc, approval) {
            (Some(_), _, _) => Some("presumption_of_denial"),
            (None, Some(_), _) => Some("case_by_case"),
            (None, None, Some(_)) => Some("presumption_of_approval"),
            _ => None,
        }
    }

    /// Every name the entry can be matched on, with what it is: the name
    /// (without the "and any successor…" clause, the affiliated entity's own
    /// name for "X. Affiliated Entity: Y"), the name without a parenthesis,
    /// the parenthesis (an abbreviation), and each alternative name (split
    /// on ";").
    pub fn match_names(&self) -> Vec<(NameKind, String)> {
        let mut out: Vec<(NameKind, String)> = Vec::new();
        let mut push = |k: NameKind, s: &str| {
            let s = s
                .trim()
                .trim_matches(|c: char| c == ';' || c == ',' || c.is_whitespace());
            // Runs of white space as one space.
            let mut one = String::with_capacity(s.len());
            for w in s.split_whitespace() {
                if !one.is_empty() {
                    one.push(' ');
                }
                one.push_str(w);
            }
            if !one.is_empty() && !out.iter().any(|(_, t)| *t == one) {
                out.push((k, one));
            }
        };
        let name = strip_successor_clause(&self.name);
        let own = name
            .split_once("Affiliated Entity:")
            .map_or(name, |(_, y)| y.trim());
        push(NameKind::Name, own);
        if let Some((before, inside, after)) = parenthesis(own) {
            push(NameKind::Name, &format!("{before} {after}"));
            let inner = inside.trim();
            let lower = inner.to_ascii_lowercase();
            let refers = ["subsidiary", "a.k.a", "aka ", "f.k.a", "formerly", "see "]
                .iter()
                .any(|w| lower.starts_with(w) || lower.contains(" of "));
            // A short name, not a place or a note: an abbreviation
            // ("CETC 13", "AASPT") or the name's own first word ("Huawei").
            let abbreviation = inner.split_whitespace().any(|w| {
                w.chars().filter(char::is_ascii_uppercase).count() >= 2
                    || w.chars().any(|c| c.is_ascii_digit())
            });
            let first = own.split_whitespace().next().is_some_and(|f| {
                f.trim_matches(|c: char| !c.is_alphanumeric())
                    .eq_ignore_ascii_case(inner)
            });
            if !refers && inner.len() <= 60 && (abbreviation || first) {
                push(NameKind::Abbreviation, inner);
            }
        }
        for a in &self.alt_names {
            for part in a.split(';') {
                push(NameKind::Alias, strip_successor_clause(part));
            }
        }
        out
    }
}

/// What a matched name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameKind {
    /// The entry's name (or the affiliated entity's own name).
    Name,
    /// An abbreviation or short name given in a parenthesis.
    Abbreviation,
    /// An alternative name.
    Alias,
}

impl NameKind {
    /// The kind in words.
    pub fn label(self) -> &'static str {
        match self {
            NameKind::Name => "name",
            NameKind::Abbreviation => "short name in the entry's parenthesis",
            NameKind::Alias => "alternative name",
        }
    }
}

/// "X and any successor, sub-unit, or subsidiary thereof" → "X".
fn strip_successor_clause(s: &str) -> &str {
    match find_ascii_lowercase(s, "any successor") {
        Some(i) => {
            let head = s.get(..i).unwrap_or(s).trim_end();
            let head = head.strip_suffix("and").unwrap_or(head).trim_end();
            head.trim_end_matches([';', ',']).trim_end()
        }
        None => s,
    }
}

/// Where `needle` (lowercase ASCII) first occurs in `s` with ASCII case
/// ignored: `s.to_ascii_lowercase().find(needle)`, without the copy.
fn find_ascii_lowercase(s: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    let first = n.first()?;
    s.as_bytes()
        .windows(n.len())
        .enumerate()
        .filter(|(_, w)| w.first().is_some_and(|c| c.to_ascii_lowercase() == *first))
        .find(|(_, w)| w.eq_ignore_ascii_case(n))
        .map(|(i, _)| i)
}

/// The first balanced parenthesis: (before, inside, after).
fn parenthesis(s: &str) -> Option<(&str, &str, &str)> {
    let open = s.find('(')?;
    let close = open + s.get(open..)?.find(')')?;
    Some((s.get(..open)?, s.get(open + 1..close)?, s.get(close + 1..)?))
}

/// The footnote numbers in a licence-requirement text.
pub fn footnotes(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut add = |d: u8| {
        if (1..=5).contains(&d) && !out.contains(&d) {
            out.push(d);
        }
    };
    // Right after "734.9(e)" or "734.9(g)" (optionally "," and spaces).
    for key in ["734.9(e)", "734.9(g)"] {
        let mut from = 0;
        while let Some(i) = text.get(from..).and_then(|t| t.find(key)) {
            let mut j = from + i + key.len();
            while matches!(b.get(j), Some(b',' | b' ')) {
                j += 1;
            }
            if let Some(d) = b.get(j).filter(|c| c.is_ascii_digit())
                && !matches!(b.get(j + 1), Some(c) if c.is_ascii_digit() || *c == b'.')
            {
                add(d - b'0');
            }
            from += i + key.len();
        }
    }
    // At the end, after "EAR" or a closing parenthesis: "…EAR)4", "EAR2.".
    let t = text.trim_end().trim_end_matches('.').trim_end();
    let tb = t.as_bytes();
    if let Some(&d) = tb.last().filter(|c| c.is_ascii_digit()) {
        let before = t.get(..t.len().saturating_sub(1)).unwrap_or("").trim_end();
        if before.ends_with(')') || before.ends_with("EAR") {
            add(d - b'0');
        }
    }
    out.sort_unstable();
    out
}

/// A dated screening list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreeningList {
    /// The date the list was published (for the CSL, `sourceGeneratedAt`).
    pub date: Date,
    /// Where it comes from.
    pub source: String,
    /// The entries.
    pub entries: Vec<Entry>,
}

impl ScreeningList {
    /// Entries per list code, most entries first.
    pub fn counts(&self) -> Vec<(String, usize)> {
        let mut m: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for e in &self.entries {
            *m.entry(e.list.code()).or_default() += 1;
        }
        let mut v: Vec<(String, usize)> = m.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }

    /// Gives every entry without an id a stable one: the list code and the
    /// first 10 hex digits of SHA-256 over list, name and countries; equal
    /// entries get `-2`, `-3`, ….
    pub fn assign_ids(&mut self) {
        use sha2::Digest;
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut seen: crate::Map<String, ()> = crate::Map::default();
        seen.reserve(self.entries.len());
        for e in &mut self.entries {
            if e.id.is_empty() {
                let mut h = sha2::Sha256::new();
                h.update(e.list.code().as_bytes());
                h.update([0]);
                h.update(e.name.as_bytes());
                h.update([0]);
                for (i, c) in e.countries.iter().enumerate() {
                    if i > 0 {
                        h.update(b",");
                    }
                    h.update(c.as_bytes());
                }
                let d = h.finalize();
                let mut id = String::with_capacity(e.list.code().len() + 11);
                id.push_str(e.list.code());
                id.push('-');
                for b in d.iter().take(5) {
                    for nibble in [b >> 4, b & 15] {
                        id.extend(HEX.get(usize::from(nibble)).map(|&c| char::from(c)));
                    }
                }
                e.id = id;
            }
            if seen.contains_key(&e.id) {
                let base = e.id.clone();
                let mut n = 2;
                while seen.contains_key(&format!("{base}-{n}")) {
                    n += 1;
                }
                e.id = format!("{base}-{n}");
            }
            seen.insert(e.id.clone(), ());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> Entry {
        Entry {
            id: String::new(),
            list: ListCode::EntityList,
            source: "Entity List (EL) - Bureau of Industry and Security".into(),
            name: name.into(),
            alt_names: vec![],
            kind: None,
            countries: vec!["CN".into()],
            entity_number: None,
            license_requirement: None,
            license_policy: None,
            programs: vec![],
            federal_register: None,
            start_date: None,
        }
    }

    #[test]
    fn footnotes_glued_to_the_text() {
        assert_eq!(
            footnotes("For all items subject to the EAR, see §§ 734.9(e)1 and 744.11 of the EAR2"),
            vec![1, 2]
        );
        assert_eq!(
            footnotes(
                "For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR) 4"
            ),
            vec![4]
        );
        assert_eq!(
            footnotes(
                "For all items subject to the EAR. (See §§734.4(a)(9), 734.9(e)(3), and 744.11 of the EAR)5"
            ),
            vec![5]
        );
        assert_eq!(
            footnotes(
                "For all items subject to the EAR. (See §§ 734.9(g),3 746.8(a)(3), and 744.21(b) of the EAR)"
            ),
            vec![3]
        );
        assert_eq!(
            footnotes(
                "For All Items Subject to the EAR (See §734.9(e)(2), and §744.11 of the EAR)4."
            ),
            vec![4]
        );
        assert_eq!(
            footnotes("For all items subject to the EAR. (See §744.11 of the EAR)."),
            Vec::<u8>::new()
        );
        assert_eq!(
            footnotes("For any item subject to the EAR listed in supplement no. 2 to part 744."),
            Vec::<u8>::new()
        );
    }

    #[test]
    fn list_codes_of_source_names() {
        assert_eq!(
            ListCode::from_source("Entity List (EL) - Bureau of Industry and Security"),
            ListCode::EntityList
        );
        assert_eq!(
            ListCode::from_source("Military End User (MEU) List - Bureau of Industry and Security"),
            ListCode::Meu
        );
        assert_eq!(
            ListCode::from_source(
                "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department"
            ),
            ListCode::NsMbs
        );
        assert_eq!(ListCode::from_source("SDN"), ListCode::Sdn);
    }

    #[test]
    fn names_of_an_affiliated_entity_and_a_successor_clause() {
        let e = entry(
            "Huawei Technologies Co., Ltd. (Huawei). Affiliated Entity: Beijing Huawei Longshine Information Technology Co., Ltd.",
        );
        assert_eq!(e.parent(), Some("Huawei Technologies Co., Ltd. (Huawei)"));
        let names: Vec<String> = e.match_names().into_iter().map(|(_, n)| n).collect();
        assert_eq!(
            names,
            vec!["Beijing Huawei Longshine Information Technology Co., Ltd."]
        );
        let e = entry(
            "Sinobright Import and Export Company; and any successor, sub-unit, or subsidiary thereof",
        );
        assert!(e.covers_subsidiaries());
        assert_eq!(
            e.match_names().first().map(|(_, n)| n.as_str()),
            Some("Sinobright Import and Export Company")
        );
        let e = entry("Huawei Technologies Co., Ltd. (Huawei)");
        let names: Vec<(NameKind, String)> = e.match_names();
        assert!(names.contains(&(NameKind::Abbreviation, "Huawei".into())));
        assert!(names.contains(&(NameKind::Name, "Huawei Technologies Co., Ltd.".into())));
    }

    #[test]
    fn a_successor_clause_in_any_case() {
        for (s, head) in [
            (
                "Acme Ltd. and any successor, sub-unit, or subsidiary thereof",
                "Acme Ltd.",
            ),
            // Only a lowercase "and" before it is dropped, as ever.
            ("ACME LTD; AND ANY SUCCESSOR THEREOF", "ACME LTD; AND"),
            ("Acme Ltd, And Any Successor", "Acme Ltd, And"),
            ("Ünïcode GmbH and any successor", "Ünïcode GmbH"),
            ("Acme Ltd", "Acme Ltd"),
            ("any successor", ""),
        ] {
            assert_eq!(strip_successor_clause(s), head, "{s}");
            assert_eq!(
                find_ascii_lowercase(s, "any successor"),
                s.to_ascii_lowercase().find("any successor")
            );
        }
    }

    #[test]
    fn policies_in_the_rules_words() {
        let mut e = entry("X");
        e.license_policy =
            Some("Policy of denial for all items subject to the EAR apart from food".into());
        assert_eq!(e.policy(), Some("presumption_of_denial"));
        e.license_policy = Some("Case-by-case basis".into());
        assert_eq!(e.policy(), Some("case_by_case"));
        e.license_policy = Some("See §744.3(d) of this part".into());
        assert_eq!(e.policy(), None);
    }

    #[test]
    fn ids_are_stable_and_unique() {
        let mut l = ScreeningList {
            date: jiff::civil::date(2026, 7, 31),
            source: "test".into(),
            entries: vec![entry("A"), entry("A"), entry("B")],
        };
        l.assign_ids();
        let ids: Vec<&str> = l.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), 3);
        assert!(ids.iter().all(|i| i.starts_with("EL-")));
        assert_eq!(ids.get(1).map(|s| s.ends_with("-2")), Some(true));
    }
}
