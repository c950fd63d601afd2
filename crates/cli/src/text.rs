//! Small text helpers shared by the commands' renderings.

use chipexport_domain::fmt_num;

/// A figure, or "unknown".
pub fn opt(v: Option<f64>) -> String {
    v.map_or("unknown".to_string(), fmt_num)
}

/// A figure with its unit, or "unknown" alone.
pub fn with_unit(v: Option<f64>, unit: &str) -> String {
    v.map_or("unknown".to_string(), |x| format!("{} {unit}", fmt_num(x)))
}

/// Performance density with two decimals, or "unknown".
pub fn density(v: Option<f64>) -> String {
    v.map_or("unknown".into(), |p| format!("{p:.2}"))
}

/// Money with two decimals and thousands separators.
pub fn money(d: rust_decimal::Decimal) -> String {
    let r = d.round_dp(2);
    let s = format!("{r:.2}");
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let neg = int.starts_with('-');
    let digits: Vec<char> = int.trim_start_matches('-').chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*c);
    }
    format!("{}{out}.{frac}", if neg { "-" } else { "" })
}

/// Rows as aligned columns under a header.
pub fn columns<const N: usize>(head: [&str; N], rows: &[[String; N]]) -> String {
    let mut w = head.map(str::len);
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(x) = w.get_mut(i) {
                *x = (*x).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{:<width$}", c, width = w.get(i).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
            + "\n"
    };
    let mut o = line(head.to_vec());
    for r in rows {
        o.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands() {
        assert_eq!(
            money(rust_decimal::Decimal::new(-123_456_789, 2)),
            "-1,234,567.89"
        );
        assert_eq!(money(rust_decimal::Decimal::new(5, 0)), "5.00");
    }

    #[test]
    fn columns_align() {
        let t = columns(["a", "bb"], &[["xyz".to_string(), "1".to_string()]]);
        assert_eq!(t, "a    bb\nxyz  1\n");
    }
}
