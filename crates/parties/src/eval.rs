//! A labelled evaluation set built from the list itself, for measuring
//! recall and precision (the quality test and the benchmark use it).
//!
//! Positives: for entries drawn at random (a fixed seed), variants of
//! their names: case, punctuation, changed legal-form words, word order,
//! a one-letter typo, an alternative name, and for entries in
//! Cyrillic-script countries the name written in Cyrillic. Negatives, at
//! least as many: unlisted company names made from common words, real
//! companies that are on no list, and near misses (a listed name with its
//! most distinctive word replaced).

use std::collections::HashSet;

use crate::model::ScreeningList;
use crate::normalize::tokens;

/// One labelled query.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The query.
    pub query: String,
    /// The entry it must find (its index in the list), or `None` for a
    /// name that must match nothing.
    pub target: Option<usize>,
    /// What kind of variant it is.
    pub kind: &'static str,
}

/// A small deterministic generator (SplitMix64): the set must not change
/// between runs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            usize::try_from(self.next() % n as u64).unwrap_or(0)
        }
    }

    fn pick<'a, T>(&mut self, v: &'a [T]) -> Option<&'a T> {
        v.get(self.below(v.len()))
    }
}

/// Companies on no US list (checked against the snapshot of 31 Jul 2026 by
/// the quality test: none may match).
const UNLISTED: &[&str] = &[
    "Apple Inc.",
    "Microsoft Corporation",
    "Toyota Motor Corporation",
    "Siemens AG",
    "Nestle S.A.",
    "Unilever PLC",
    "Samsung Electronics Co., Ltd.",
    "Sony Group Corporation",
    "Lenovo Group Limited",
    "Tata Consultancy Services Limited",
    "Infosys Limited",
    "Volkswagen AG",
    "BMW AG",
    "Bosch GmbH",
    "Philips N.V.",
    "ASML Holding N.V.",
    "Taiwan Semiconductor Manufacturing Company Limited",
    "MediaTek Inc.",
    "Foxconn Interconnect Technology",
    "Accton Technology Corporation",
    "Quanta Computer Inc.",
    "Wistron Corporation",
    "Dell Technologies Inc.",
    "Hewlett Packard Enterprise",
    "Super Micro Computer, Inc.",
    "Nokia Oyj",
    "Ericsson AB",
    "Schneider Electric SE",
    "ABB Ltd",
    "Atlas Copco AB",
    "Shopify Inc.",
    "Rakuten Group, Inc.",
    "Nintendo Co., Ltd.",
    "Panasonic Holdings Corporation",
    "Hitachi, Ltd.",
    "Fujitsu Limited",
    "Canon Inc.",
    "Kyocera Corporation",
    "Murata Manufacturing Co., Ltd.",
    "Tokyo Electron Limited",
    "Advantest Corporation",
    "SK Hynix Inc.",
    "LG Electronics Inc.",
    "Naver Corporation",
    "Kakao Corp.",
    "Grab Holdings Limited",
    "Sea Limited",
    "Singtel Group",
    "DBS Bank Ltd.",
    "Petronas Chemicals Group Berhad",
    "Axiata Group Berhad",
    "Reliance Industries Limited",
    "Wipro Limited",
    "Mahindra and Mahindra Limited",
    "Emirates Telecommunications Group",
    "Saudi Aramco",
    "Qatar Airways Group",
    "Banco Santander S.A.",
    "Telefonica S.A.",
    "Iberdrola S.A.",
    "Enel S.p.A.",
    "Heineken N.V.",
    "Carlsberg A/S",
    "Novo Nordisk A/S",
    "Maersk Line",
    "Equinor ASA",
    "Volvo Cars",
    "Spotify Technology S.A.",
    "Zalando SE",
    "Adidas AG",
    "Bayer AG",
    "BASF SE",
    "Airbus SE",
    "Thales Alenia Space",
    "Rolls-Royce Holdings plc",
    "Vodafone Group Plc",
    "BT Group plc",
    "Tesco PLC",
    "Coles Group Limited",
    "Woolworths Group",
    "Telstra Group Limited",
    "BHP Group Limited",
    "Fonterra Co-operative Group",
    "Air New Zealand Limited",
    "Canadian National Railway Company",
    "Shoppers Drug Mart",
    "Magna International Inc.",
    "Bombardier Inc.",
    "Grupo Bimbo",
    "Cemex S.A.B. de C.V.",
    "Embraer S.A.",
    "Natura Cosmeticos",
    "Mercado Libre",
    "Falabella S.A.",
    "Bancolombia S.A.",
    "Ecopetrol S.A.",
];

/// Words for made-up company names.
const PLACES: &[&str] = &[
    "Shenzhen",
    "Suzhou",
    "Ningbo",
    "Dubai",
    "Singapore",
    "Penang",
    "Bangalore",
    "Lyon",
    "Leeds",
    "Austin",
    "Osaka",
    "Busan",
    "Izmir",
    "Porto",
    "Krakow",
    "Nairobi",
];
const ADJECTIVES: &[&str] = &[
    "Bright",
    "Golden",
    "Northern",
    "Blue",
    "Evergreen",
    "Silver",
    "Pacific",
    "Harmony",
    "Summit",
    "Crystal",
    "Rapid",
    "Noble",
    "Vivid",
    "Prime",
    "Lucky",
    "Clear",
];
const NOUNS: &[&str] = &[
    "Star", "River", "Peak", "Lotus", "Bridge", "Harbor", "Maple", "Falcon", "Cedar", "Orchid",
    "Beacon", "Meadow", "Canyon", "Willow", "Comet", "Anchor",
];
const TRADES: &[&str] = &[
    "Electronics",
    "Logistics",
    "Trading",
    "Software",
    "Textiles",
    "Foods",
    "Pharmaceutical",
    "Packaging",
    "Furniture",
    "Consulting",
    "Semiconductor",
    "Robotics",
    "Optics",
    "Ceramics",
    "Printing",
    "Solar",
];
const FORMS: &[&str] = &[
    "Co., Ltd.",
    "Ltd",
    "LLC",
    "GmbH",
    "Inc.",
    "S.A.",
    "Pte. Ltd.",
    "Limited",
    "Corporation",
    "",
];

/// Legal-form words and what a variant writes instead.
const FORM_SWAPS: &[(&str, &str)] = &[
    ("Co.,", "Company"),
    ("Co.", "Company"),
    ("Co", "Company"),
    ("Company", "Co"),
    ("Ltd.", "Limited"),
    ("Ltd", "Limited"),
    ("Limited", "Ltd"),
    ("LIMITED", "LTD"),
    ("LTD", "LIMITED"),
    ("Corporation", "Corp."),
    ("Corp.", "Corporation"),
    ("CORPORATION", "CORP"),
    ("CO.,", "COMPANY"),
    ("CO", "COMPANY"),
    ("Inc.", "Incorporated"),
    ("Inc", "Incorporated"),
    ("INC.", "INCORPORATED"),
    ("LLC", "L.L.C."),
];

/// Latin to Cyrillic: Russian legal forms as their abbreviations, then
/// letters, digraphs first, so that transliteration back gives the usual
/// romanisation (c, q, w and x come back as other letters).
const CYRILLIC: &[(&str, &str)] = &[
    ("limited liability company", "ООО"),
    ("public joint stock company", "ПАО"),
    ("closed joint stock company", "ЗАО"),
    ("open joint stock company", "ОАО"),
    ("joint stock company", "АО"),
    ("jsc", "АО"),
    ("llc", "ООО"),
    ("shch", "щ"),
    ("kh", "х"),
    ("zh", "ж"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("ts", "ц"),
    ("a", "а"),
    ("b", "б"),
    ("c", "к"),
    ("d", "д"),
    ("e", "е"),
    ("f", "ф"),
    ("g", "г"),
    ("h", "х"),
    ("i", "и"),
    ("j", "й"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("q", "к"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("v", "в"),
    ("w", "в"),
    ("x", "кс"),
    ("y", "ы"),
    ("z", "з"),
];

fn cyrillic(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut out = String::new();
    let mut rest = lower.as_str();
    'outer: while let Some(c) = rest.chars().next() {
        for (l, cy) in CYRILLIC {
            if let Some(r) = rest.strip_prefix(l) {
                out.push_str(cy);
                rest = r;
                continue 'outer;
            }
        }
        out.push(c);
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    out
}

/// The longest word of at least 5 letters with one letter changed
/// (replaced, dropped or swapped with the next).
fn typo(s: &str, rng: &mut Rng) -> Option<String> {
    let words: Vec<&str> = s.split(' ').collect();
    let (wi, w) = words
        .iter()
        .enumerate()
        .filter(|(_, w)| w.chars().filter(char::is_ascii_alphabetic).count() >= 5 && w.is_ascii())
        .max_by_key(|(_, w)| w.len())?;
    let mut b: Vec<u8> = w.bytes().collect();
    let i = 1 + rng.below(b.len().saturating_sub(2).max(1));
    match rng.below(3) {
        0 => {
            if let Some(c) = b.get_mut(i) {
                *c = if *c == b'e' { b'a' } else { b'e' };
            }
        }
        1 => {
            if i < b.len() {
                b.remove(i);
            }
        }
        _ => {
            if i + 1 < b.len() {
                b.swap(i, i + 1);
            }
        }
    }
    let nw = String::from_utf8(b).ok()?;
    let mut out: Vec<String> = words.iter().map(|x| (*x).to_string()).collect();
    *out.get_mut(wi)? = nw;
    Some(out.join(" "))
}

/// Words of multi-word legal forms ("joint stock company"), which a
/// variant keeps in place.
const PHRASE_WORDS: &[&str] = &[
    "joint",
    "stock",
    "liability",
    "public",
    "closed",
    "open",
    "private",
    "partnership",
];

/// The same name with its first two distinctive words swapped.
fn reorder(s: &str) -> Option<String> {
    let words: Vec<&str> = s.split(' ').collect();
    let idx: Vec<usize> = words
        .iter()
        .enumerate()
        .filter(|(_, w)| {
            tokens(w)
                .iter()
                .any(|t| !t.legal && !PHRASE_WORDS.contains(&t.text.as_str()))
        })
        .map(|(i, _)| i)
        .collect();
    if idx.len() < 2 {
        return None;
    }
    let (a, b) = (*idx.first()?, *idx.get(1)?);
    let mut out: Vec<&str> = words.clone();
    out.swap(a, b);
    Some(out.join(" "))
}

fn swap_form(s: &str) -> Option<String> {
    let words: Vec<&str> = s.split(' ').collect();
    for (i, w) in words.iter().enumerate() {
        if let Some((_, to)) = FORM_SWAPS.iter().find(|(f, _)| f == w) {
            let mut out: Vec<&str> = words.clone();
            *out.get_mut(i)? = to;
            return Some(out.join(" "));
        }
    }
    None
}

/// The evaluation set: `n` listed entries' variants, and at least as many
/// names that must match nothing. The same `seed` gives the same set.
#[expect(
    clippy::too_many_lines,
    reason = "one list of variant kinds, read top to bottom"
)]
pub fn cases(list: &ScreeningList, n: usize, seed: u64) -> Vec<Case> {
    let mut rng = Rng(seed);
    let eligible: Vec<usize> = list
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            !matches!(
                e.kind.as_deref(),
                Some("Individual" | "Vessel" | "Aircraft")
            ) && e.match_names().first().is_some_and(|(_, n)| {
                let t = tokens(n);
                t.iter().filter(|t| !t.legal).count() >= 2 && n.len() <= 80
            })
        })
        .map(|(i, _)| i)
        .collect();
    let mut chosen = HashSet::new();
    let mut out = Vec::new();
    let mut positives = 0;
    let mut guard = 0;
    while chosen.len() < n && guard < n * 20 {
        guard += 1;
        let Some(&ei) = rng.pick(&eligible) else {
            break;
        };
        if !chosen.insert(ei) {
            continue;
        }
        let Some(e) = list.entries.get(ei) else {
            continue;
        };
        let Some((_, name)) = e.match_names().into_iter().next() else {
            continue;
        };
        let mut push = |q: Option<String>, kind: &'static str| {
            if let Some(q) = q.filter(|q| *q != name || kind == "exact") {
                out.push(Case {
                    query: q,
                    target: Some(ei),
                    kind,
                });
                positives += 1;
            }
        };
        push(Some(name.clone()), "exact");
        push(
            Some(if rng.below(2) == 0 {
                name.to_uppercase()
            } else {
                name.to_lowercase()
            }),
            "case",
        );
        push(
            Some(
                name.replace([',', '.', '(', ')', '-', '"', '\''], " ")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            "punctuation",
        );
        push(swap_form(&name), "legal_form");
        push(reorder(&name), "word_order");
        push(typo(&name, &mut rng), "typo");
        if let Some(a) = rng
            .pick(&e.alt_names)
            .filter(|a| tokens(a).iter().any(|t| !t.legal))
        {
            push(Some(a.clone()), "alias");
        }
        if e.countries
            .iter()
            .any(|c| matches!(c.as_str(), "RU" | "BY" | "UA" | "KZ" | "KG" | "TJ"))
        {
            push(Some(cyrillic(&name)), "transliterated");
        }
    }
    // Negatives: as many as the positives.
    let listed: HashSet<String> = list
        .entries
        .iter()
        .flat_map(|e| {
            e.match_names()
                .into_iter()
                .map(|(_, n)| crate::normalize::compact(&tokens(&n)))
        })
        .collect();
    let mut df: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for e in &list.entries {
        for (_, n) in e.match_names() {
            for t in tokens(&n) {
                *df.entry(t.text).or_default() += 1;
            }
        }
    }
    let mut negatives = 0;
    for u in UNLISTED {
        out.push(Case {
            query: (*u).to_string(),
            target: None,
            kind: "unlisted_real",
        });
        negatives += 1;
    }
    let mut guard = 0;
    while negatives < positives && guard < positives * 50 {
        guard += 1;
        let q = if rng.below(2) == 0 {
            // A near miss: a listed name with its rarest word replaced.
            let Some(&ei) = rng.pick(&eligible) else {
                break;
            };
            let Some((_, name)) = list
                .entries
                .get(ei)
                .and_then(|e| e.match_names().into_iter().next())
            else {
                continue;
            };
            let words: Vec<&str> = name.split(' ').collect();
            let Some((wi, _)) = words
                .iter()
                .enumerate()
                .filter_map(|(i, w)| {
                    let t = tokens(w);
                    let t = t.iter().find(|t| !t.legal && t.text.len() >= 4)?;
                    Some((i, df.get(t.text.as_str()).copied().unwrap_or(0)))
                })
                .min_by_key(|(_, d)| *d)
            else {
                continue;
            };
            let pool = [NOUNS, ADJECTIVES, PLACES].concat();
            let Some(r) = rng.pick(&pool) else { continue };
            let mut nw: Vec<&str> = words.clone();
            if let Some(x) = nw.get_mut(wi) {
                *x = r;
            }
            (nw.join(" "), "near_miss")
        } else {
            let parts = [
                rng.pick(PLACES),
                rng.pick(ADJECTIVES),
                rng.pick(NOUNS),
                rng.pick(TRADES),
                rng.pick(FORMS),
            ];
            let q: Vec<&str> = parts
                .into_iter()
                .flatten()
                .copied()
                .filter(|s| !s.is_empty())
                .collect();
            (q.join(" "), "unlisted_made_up")
        };
        if listed.contains(&crate::normalize::compact(&tokens(&q.0))) {
            continue;
        }
        out.push(Case {
            query: q.0,
            target: None,
            kind: q.1,
        });
        negatives += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn cyrillic_round_trips_through_transliteration() {
        let c = super::cyrillic("Zvezdochka Shipyard");
        assert!(c.chars().all(|c| !c.is_ascii_alphabetic()));
        assert_eq!(crate::normalize::normalize(&c), "zvezdochka shipyard");
    }
}
