//! What a decision row stores once, elsewhere: its response (in
//! `responses`) and its request's shared part (in `request_parts`), each
//! under its SHA-256.

/// A request's part worth storing once: its longest JSON object that holds
/// no other object (for a `check`, the item's facts: ~400 of its ~450
/// bytes, the same for every question about that chip), if it is at least
/// this long.
pub(crate) const MIN_PART: usize = 64;

/// Where a request's shared part is: the byte range of its longest object
/// without a nested object, at least [`MIN_PART`] bytes and not the whole
/// request; `None` when there is none. Any range gives the request back exactly (the part is cut out
/// and put back at the same byte offset), so the request need not even be
/// JSON: only which range is cut depends on it. Braces inside strings are
/// not objects; only ASCII bytes are looked at, so the range's ends are
/// character boundaries.
pub(crate) fn shared_part(request: &str) -> Option<(usize, usize)> {
    let bytes = request.as_bytes();
    // The open objects: where each starts, and whether it holds an object.
    let mut open: Vec<(usize, bool)> = Vec::new();
    let mut best: Option<(usize, usize)> = None;
    let (mut in_string, mut escaped) = (false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' => {
                if let Some(parent) = open.last_mut() {
                    parent.1 = true;
                }
                open.push((i, false));
            }
            b'}' => {
                if let Some((start, nested)) = open.pop() {
                    let len = i + 1 - start;
                    // The whole request is no shared part: it is stored
                    // as it is.
                    let whole = start == 0 && i + 1 == bytes.len();
                    if !nested && !whole && len >= MIN_PART && best.is_none_or(|(s, e)| e - s < len)
                    {
                        best = Some((start, i + 1));
                    }
                }
            }
            _ => {}
        }
    }
    best
}

/// A request as stored: without its shared part, and the part with the
/// byte offset it goes back at.
pub(crate) fn split(request: &str) -> Option<(String, &str, usize)> {
    let (start, end) = shared_part(request)?;
    let rest = [request.get(..start)?, request.get(end..)?].concat();
    Some((rest, request.get(start..end)?, start))
}

/// The request from its stored form: `rest` with `part` put back at byte
/// `at`. `None` when `at` is not a character boundary of `rest` (the row
/// was edited).
pub(crate) fn join(rest: &str, part: &str, at: i64) -> Option<String> {
    let at = usize::try_from(at).ok()?;
    Some([rest.get(..at)?, part, rest.get(at..)?].concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(request: &str) -> Option<&str> {
        shared_part(request).and_then(|(s, e)| request.get(s..e))
    }

    #[test]
    fn the_shared_part_is_the_longest_object_without_a_nested_one() {
        let item = r#"{"chip":"nvidia-h20-hgx-96gb","model":"H20","vendor":"NVIDIA","tpp":2368.0}"#;
        let req = format!(
            r#"{{"version":2,"question":{{"item":{item},"destination":"CN","on":"2025-09-01"}},"annotation":{{"order":"W1"}}}}"#
        );
        assert_eq!(part(&req), Some(item));
        // Braces and quotes inside strings are text, not objects.
        let tricky = r#"{"a":{"s":"} { \" }","pad":"0123456789012345678901234567890123456789"}}"#;
        assert_eq!(part(tricky), tricky.get(5..tricky.len() - 1));
        // Too short, unbalanced, or no object at all: nothing is cut.
        assert_eq!(part(r#"{"item":{"chip":"H20"}}"#), None);
        assert_eq!(part("not json"), None);
        assert_eq!(part(&"{".repeat(100)), None);
        assert_eq!(part(&"}".repeat(100)), None);
        // A flat request is stored whole, not as a part of itself.
        let flat = r#"{"input":"ledger.csv","input_sha256":"0123456789abcdef0123456789abcdef"}"#;
        assert_eq!(part(flat), None);
        assert_eq!(part(&format!(" {flat}")), Some(flat));
    }

    #[test]
    fn a_request_is_given_back_exactly() {
        let reqs = [
            r#"{"version":2,"question":{"item":{"chip":"huawei-ascend-910b","vendor":"Huawei (HiSilicon) – 华为","tpp":6016.0},"on":"2025-10-28"}}"#,
            r#"{"x":{"padding padding padding padding padding padding padding":"é"}}"#,
        ];
        for req in reqs {
            let Some((rest, p, at)) = split(req) else {
                unreachable!("{req} has a part")
            };
            assert!(rest.len() + p.len() == req.len() && p.len() >= MIN_PART);
            let at = i64::try_from(at).unwrap_or(-1);
            assert_eq!(join(&rest, p, at).as_deref(), Some(req));
        }
        // An offset that is not a character boundary, or out of range.
        assert_eq!(join("aé", "x", 2), None);
        assert_eq!(join("ab", "x", 3), None);
        assert_eq!(join("ab", "x", -1), None);
        assert_eq!(join("ab", "x", 2).as_deref(), Some("abx"));
    }
}
