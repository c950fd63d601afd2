//! Matching names people type: case- and accent-folding, tokens, and an edit
//! distance that treats look-alike characters (`O`/`0`, `I`/`1`) as near.
//!
//! Used by [`Country::parse`](crate::Country::parse) and by the catalog's
//! chip lookup, so that both forgive the same things and suggest alike.

/// Latin letters with diacritics and their base letters, as pairs of
/// (accented, plain) characters: enough for the names of countries and
/// vendors (`Türkiye`, `Côte d'Ivoire`, `Curaçao`, `Åland`).
const FOLD: &[(char, &str)] = &[
    ('à', "a"),
    ('á', "a"),
    ('â', "a"),
    ('ã', "a"),
    ('ä', "a"),
    ('å', "a"),
    ('ā', "a"),
    ('ă', "a"),
    ('ą', "a"),
    ('æ', "ae"),
    ('ç', "c"),
    ('ć', "c"),
    ('č', "c"),
    ('ď', "d"),
    ('đ', "d"),
    ('è', "e"),
    ('é', "e"),
    ('ê', "e"),
    ('ë', "e"),
    ('ē', "e"),
    ('ę', "e"),
    ('ě', "e"),
    ('ğ', "g"),
    ('ì', "i"),
    ('í', "i"),
    ('î', "i"),
    ('ï', "i"),
    ('ī', "i"),
    ('ı', "i"),
    ('ł', "l"),
    ('ñ', "n"),
    ('ń', "n"),
    ('ň', "n"),
    ('ò', "o"),
    ('ó', "o"),
    ('ô', "o"),
    ('õ', "o"),
    ('ö', "o"),
    ('ø', "o"),
    ('ō', "o"),
    ('ő', "o"),
    ('œ', "oe"),
    ('ř', "r"),
    ('ś', "s"),
    ('ş', "s"),
    ('š', "s"),
    ('ș', "s"),
    ('ß', "ss"),
    ('ť', "t"),
    ('ț', "t"),
    ('ù', "u"),
    ('ú', "u"),
    ('û', "u"),
    ('ü', "u"),
    ('ū', "u"),
    ('ů', "u"),
    ('ű', "u"),
    ('ý', "y"),
    ('ÿ', "y"),
    ('ź', "z"),
    ('ż', "z"),
    ('ž', "z"),
];

/// Lower case, without diacritics; every other character kept.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match FOLD.iter().find(|(a, _)| *a == c) {
            Some((_, plain)) => out.push_str(plain),
            None => out.push(c),
        }
    }
    out
}

/// The words of a name: folded runs of letters and digits, apostrophes
/// dropped inside a word (`Côte d'Ivoire` → `cote`, `divoire`).
pub fn tokens(s: &str) -> Vec<String> {
    fold(s)
        .replace(['\'', '’'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// The words of a name joined by single spaces: `U.S.A.` and `u s a` differ,
/// `Côte d'Ivoire` and `cote divoire` do not.
pub fn key(s: &str) -> String {
    tokens(&s.replace('.', "")).join(" ")
}

/// Only the folded letters and digits: `H 20`, `h-20` and `H20` are alike.
pub fn compact(s: &str) -> String {
    fold(s).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// Characters often typed for one another: a letter and the digit it looks
/// like.
const LOOK_ALIKE: &[(char, char)] = &[
    ('o', '0'),
    ('i', '1'),
    ('l', '1'),
    ('s', '5'),
    ('b', '8'),
    ('z', '2'),
];

fn look_alike(a: char, b: char) -> bool {
    LOOK_ALIKE
        .iter()
        .any(|&(x, y)| (x, y) == (a, b) || (y, x) == (a, b))
}

/// The Levenshtein distance between `a` and `b`, in half steps: an insertion,
/// a deletion or a substitution costs 2, swapping look-alikes (`o` for `0`,
/// `l` or `i` for `1`, ...) costs 1. Compare folded strings.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).map(|j| 2 * j).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![2 * (i + 1); b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = if ca == *cb {
                0
            } else if look_alike(ca, *cb) {
                1
            } else {
                2
            };
            let sub = prev.get(j).copied().unwrap_or(0) + cost;
            let del = prev.get(j + 1).copied().unwrap_or(0) + 2;
            let ins = cur.get(j).copied().unwrap_or(0) + 2;
            if let Some(slot) = cur.get_mut(j + 1) {
                *slot = sub.min(del).min(ins);
            }
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// The largest [`distance`] at which `query` and a name still look like a
/// typo of one another: for one or two characters a look-alike only (every
/// two-letter code is one edit from dozens), for three or four one edit and
/// a look-alike, else two edits or a third of the length.
pub fn close_enough(query: &str) -> usize {
    match query.chars().count() {
        0..=2 => 1,
        3..=4 => 3,
        n => 2 * (n / 3).max(2),
    }
}

/// The names among `candidates` that `query` is probably a typo of: those
/// within [`close_enough`] and at most half a step further than the nearest,
/// nearest first (ties in the candidates' order), at most `max`. Both sides
/// are compared [`compact`]ed; names equal to the query are not suggested.
pub fn nearest<'a>(
    query: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Vec<&'a str> {
    let q = compact(query);
    if q.is_empty() {
        return Vec::new();
    }
    let limit = close_enough(&q);
    let mut scored: Vec<(usize, usize, &str)> = Vec::new();
    for (i, c) in candidates.into_iter().enumerate() {
        let cc = compact(c);
        if cc.is_empty() || cc == q || scored.iter().any(|(_, _, s)| compact(s) == cc) {
            continue;
        }
        let d = distance(&q, &cc);
        if d <= limit {
            scored.push((d, i, c));
        }
    }
    scored.sort_by_key(|&(d, i, _)| (d, i));
    // Only the nearest: a name a full edit further than the best is noise.
    let best = scored.first().map_or(0, |&(d, _, _)| d);
    scored
        .into_iter()
        .filter(|&(d, _, _)| d <= best + 1)
        .take(max)
        .map(|(_, _, c)| c)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("Türkiye"), "turkiye");
        assert_eq!(key("Côte d'Ivoire"), "cote divoire");
        assert_eq!(key(" U.S.A. "), "usa");
        assert_eq!(compact("H 20"), "h20");
    }

    #[test]
    fn look_alikes_are_half_a_step() {
        assert_eq!(distance("h2o", "h20"), 1);
        assert_eq!(distance("h2x", "h20"), 2);
        assert_eq!(distance("russa", "russia"), 2);
        assert_eq!(distance("", "ab"), 4);
    }

    #[test]
    fn nearest_orders_by_distance_and_skips_far_names() {
        let names = ["H200", "L20", "H20", "MI300X"];
        assert_eq!(nearest("H2O", names, 8), vec!["H20"]);
        assert_eq!(nearest("X20", names, 8), vec!["L20", "H20"]);
        assert!(nearest("zzzzzz", names, 8).is_empty());
        // Short queries: a look-alike, not any two-letter name.
        assert!(nearest("XX", ["UK", "US"], 8).is_empty());
        assert_eq!(nearest("U5", ["UK", "US"], 8), vec!["US"]);
    }
}
