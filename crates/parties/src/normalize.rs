//! Name normalisation: Unicode NFKC, legal forms of CJK scripts, then
//! transliteration of every script to ASCII (deunicode), case folding,
//! punctuation, and legal-form words mapped to canonical tokens (kept, not
//! deleted: they count a little in a score and never generate candidates).

use unicode_normalization::UnicodeNormalization;

/// The canonical token of "company" forms (Co., Company, Corp.,
/// Corporation, Inc., 公司 …). Starts with `~`, which no normalised word
/// contains.
pub const LEGAL_CO: &str = "~co";
/// The canonical token of limited-liability forms (Ltd., Limited, LLC,
/// GmbH, S.A., JSC, OOO, Pte, 有限 …).
pub const LEGAL_LTD: &str = "~ltd";

/// A token of a normalised name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Token {
    /// The token: a lowercase ASCII word, or a canonical legal-form token.
    pub text: String,
    /// Whether it is a legal form.
    pub legal: bool,
}

/// CJK legal-form and group words, replaced before transliteration (which
/// would turn them into syllables such as "You Xian Gong Si").
const CJK_FORMS: &[(&str, &str)] = &[
    ("股份有限公司", " co ltd "),
    ("有限责任公司", " co ltd "),
    ("有限責任公司", " co ltd "),
    ("有限公司", " co ltd "),
    ("株式会社", " co ltd "),
    ("公司", " co "),
    ("集团", " group "),
    ("集團", " group "),
];

/// Words dropped everywhere: they carry nothing ("&" is read as "and").
const STOPWORDS: &[&str] = &[
    "the", "of", "and", "for", "de", "del", "la", "le", "des", "du", "y", "und", "et", "a",
];

/// The legal-form class of a normalised word, if it is one.
fn legal_form(w: &str) -> Option<&'static str> {
    Some(match w {
        "co" | "company" | "companies" | "corp" | "corporation" | "inc" | "incorporated"
        | "cia" | "compania" | "compagnie" | "cie" | "kk" | "coltd" => LEGAL_CO,
        "ltd" | "limited" | "llc" | "plc" | "pte" | "pvt" | "gmbh" | "sarl" | "srl" | "sa"
        | "ag" | "bv" | "nv" | "oy" | "spa" | "ltda" | "sas" | "llp" | "pty" | "jsc" | "ojsc"
        | "cjsc" | "pjsc" | "oao" | "zao" | "pao" | "ooo" | "tov" | "fze" | "fzco" | "fzc"
        | "fzllc" | "wll" | "bhd" | "sdn" | "sro" | "kft" | "doo" | "ead" | "lda" | "sl"
        | "sae" | "ab" | "ao" | "sal" | "sau" | "sasu" => LEGAL_LTD,
        _ => return None,
    })
}

/// The name in normal form: NFKC, CJK legal forms, ASCII transliteration,
/// lowercase; "&" becomes "and"; dots and apostrophes inside words are
/// removed ("S.A." → "sa", "Xi'an" → "xian"); other punctuation separates
/// words.
pub fn normalize(s: &str) -> String {
    // ASCII is its own NFKC form, holds no CJK legal form, and is its own
    // transliteration: most listed names are.
    if s.is_ascii() {
        return fold(s);
    }
    let mut t: String = s.nfkc().collect();
    for (from, to) in CJK_FORMS {
        if t.contains(from) {
            t = t.replace(from, to);
        }
    }
    fold(&deunicode::deunicode(&t))
}

/// Lowercase, "&" as "and", dots and apostrophes removed, other
/// punctuation (and anything not ASCII) a space.
fn fold(ascii: &str) -> String {
    let mut out = String::with_capacity(ascii.len() + 8);
    for c in ascii.chars() {
        match c {
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            'a'..='z' | '0'..='9' => out.push(c),
            '.' | '\'' | '`' => {}
            '&' => out.push_str(" and "),
            _ => out.push(' '),
        }
    }
    out
}

/// Legal forms written in several words, each read as one [`LEGAL_LTD`]
/// token (longest first). Matched after single words are made canonical,
/// so "Joint Stock Co." and "Ltd. Liability Company" are found too.
const LEGAL_PHRASES: &[&[&str]] = &[
    &["obshchestvo", "s", "ogranichennoi", "otvetstvennostiu"],
    &["obshchestvo", "s", "ogranichennoy", "otvetstvennostyu"],
    &["public", "joint", "stock", LEGAL_CO],
    &["closed", "joint", "stock", LEGAL_CO],
    &["open", "joint", "stock", LEGAL_CO],
    &["private", "joint", "stock", LEGAL_CO],
    &[LEGAL_LTD, "liability", LEGAL_CO],
    &[LEGAL_LTD, "liability", "partnership"],
    &["joint", "stock", LEGAL_CO],
    &["aktsionernoe", "obshchestvo"],
    &["sociedad", "anonima"],
    &["societe", "anonyme"],
];

/// Long legal-form words a typo may hide ("Limietd", "Compny").
const LEGAL_LONG: &[(&str, &str)] = &[
    ("limited", LEGAL_LTD),
    ("company", LEGAL_CO),
    ("corporation", LEGAL_CO),
    ("incorporated", LEGAL_CO),
];

fn legal_token(w: &str) -> Option<&'static str> {
    legal_form(w).or_else(|| {
        if w.len() < 6 {
            return None;
        }
        LEGAL_LONG
            .iter()
            .find(|(l, _)| {
                l.len().abs_diff(w.len()) <= 2 && crate::sim::jaro_winkler_at_least(w, l, 0.93)
            })
            .map(|(_, t)| *t)
    })
}

/// A word of a legal phrase, allowing a typo in a long one ("liabilty").
fn same_word(w: &str, p: &str) -> bool {
    w == p
        || (p.len() >= 6
            && w.len().abs_diff(p.len()) <= 2
            && crate::sim::jaro_winkler_at_least(w, p, 0.9))
}

/// The words of a normal form, with runs of single letters joined
/// ("s a r l" → "sarl", "l l c" → "llc"), each given to `f`.
fn words(n: &str, mut f: impl FnMut(&str)) {
    let mut run = String::new();
    for w in n.split_whitespace() {
        if w.len() == 1 && w.bytes().all(|b| b.is_ascii_alphabetic()) {
            run.push_str(w);
            continue;
        }
        if !run.is_empty() {
            f(&run);
            run.clear();
        }
        f(w);
    }
    if !run.is_empty() {
        f(&run);
    }
}

/// The tokens of a name: its normal form split into words, stopwords
/// dropped, legal forms canonical (single words, phrases such as "limited
/// liability company", and long legal words with a typo).
pub fn tokens(s: &str) -> Vec<Token> {
    let mut single: Vec<Token> = Vec::new();
    words(&normalize(s), |w| {
        if STOPWORDS.contains(&w) {
            return;
        }
        single.push(match legal_token(w) {
            Some(l) => Token {
                text: l.to_string(),
                legal: true,
            },
            None => Token {
                text: w.to_string(),
                legal: false,
            },
        });
    });
    let mut out = Vec::with_capacity(single.len());
    let mut i = 0;
    'outer: while i < single.len() {
        for p in LEGAL_PHRASES {
            let hit = single
                .get(i..i + p.len())
                .is_some_and(|x| x.iter().zip(p.iter()).all(|(a, b)| same_word(&a.text, b)));
            if hit {
                out.push(Token {
                    text: LEGAL_LTD.to_string(),
                    legal: true,
                });
                i += p.len();
                continue 'outer;
            }
        }
        if let Some(t) = single.get_mut(i) {
            out.push(std::mem::take(t));
        }
        i += 1;
    }
    out
}

/// The name's distinctive words run together (no legal forms, no spaces):
/// "Hua Wei Technologies" and "Huawei Technologies" meet here.
pub fn compact(tokens: &[Token]) -> String {
    tokens
        .iter()
        .filter(|t| !t.legal)
        .map(|t| t.text.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(s: &str) -> Vec<String> {
        tokens(s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn punctuation_case_and_legal_forms() {
        assert_eq!(
            words("HUAWEI TECHNOLOGIES CO., LTD."),
            ["huawei", "technologies", "~co", "~ltd"]
        );
        assert_eq!(
            words("Huawei Technologies Company Limited"),
            ["huawei", "technologies", "~co", "~ltd"]
        );
        assert_eq!(words("Xi'an Aerospace & Co"), ["xian", "aerospace", "~co"]);
        assert_eq!(
            words("Huawei do Brasil Telecomunicações Ltda"),
            ["huawei", "do", "brasil", "telecomunicacoes", "~ltd"]
        );
    }

    #[test]
    fn other_scripts_are_transliterated() {
        assert_eq!(
            words("華為技術有限公司"),
            ["hua", "wei", "ji", "shu", "~co", "~ltd"]
        );
        assert_eq!(words("ООО Ромашка"), ["~ltd", "romashka"]);
        assert_eq!(words("ＨＵＡＷＥＩ"), ["huawei"]);
    }

    #[test]
    fn a_legal_form_is_kept_as_a_token() {
        let t = tokens("Co., Ltd.");
        assert_eq!(t.len(), 2);
        assert!(t.iter().all(|t| t.legal));
        assert_eq!(compact(&t), "");
    }

    proptest! {
        #[test]
        fn ascii_skips_nfkc_and_transliteration_alike(s in "[ -~]{0,40}") {
            let slow: String = s.nfkc().collect();
            prop_assert_eq!(normalize(&s), fold(&deunicode::deunicode(&slow)));
        }

        #[test]
        fn normal_form_is_ascii_lowercase_and_idempotent(s in "\\PC{0,40}") {
            let n = normalize(&s);
            prop_assert!(n.bytes().all(|b| b == b' ' || b.is_ascii_lowercase() || b.is_ascii_digit()));
            prop_assert_eq!(normalize(&n), n.clone());
        }

        #[test]
        fn case_and_punctuation_do_not_change_tokens(s in "[A-Za-z ]{0,30}") {
            let upper = s.to_uppercase();
            let dotted = s.replace(' ', ", ");
            prop_assert_eq!(tokens(&s), tokens(&upper));
            prop_assert_eq!(tokens(&s), tokens(&dotted));
        }
    }
}
