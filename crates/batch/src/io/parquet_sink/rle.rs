//! The RLE / bit-packed hybrid encoding of Parquet's definition levels and
//! dictionary indexes, as the format specifies it: runs of a repeated value
//! (a ULEB128 header of `count << 1`, then the value in whole bytes), and
//! groups of eight values bit-packed least significant bit first (a header
//! of `groups << 1 | 1`).

/// The bits needed to write `max`.
pub(super) fn bit_width(max: usize) -> u8 {
    u8::try_from(usize::BITS - max.leading_zeros()).unwrap_or(32)
}

/// Appends `values` (each below 2^width) in the RLE / bit-packed hybrid
/// encoding: groups of eight equal values join a run (RLE), other groups
/// are bit-packed; the last group, if short, is padded with zeros (the
/// page's value count says where the values end).
pub(super) fn hybrid(values: &[u32], width: u8, out: &mut Vec<u8>) {
    let bytes_per_value = usize::from(width).div_ceil(8);
    // A run being built: (value, count); groups waiting to be bit-packed.
    let mut run: Option<(u32, usize)> = None;
    let mut packed: Vec<u32> = Vec::new();
    let flush_run = |run: &mut Option<(u32, usize)>, out: &mut Vec<u8>| {
        if let Some((v, n)) = run.take() {
            uleb128((n as u64) << 1, out);
            out.extend(v.to_le_bytes().into_iter().take(bytes_per_value));
        }
    };
    let flush_packed = |packed: &mut Vec<u32>, out: &mut Vec<u8>| {
        if packed.is_empty() {
            return;
        }
        let groups = packed.len().div_ceil(8);
        packed.resize(groups * 8, 0);
        uleb128(((groups as u64) << 1) | 1, out);
        bit_pack(packed, width, out);
        packed.clear();
    };
    for group in values.chunks(8) {
        let first = group.first().copied().unwrap_or(0);
        let same = group.iter().all(|&v| v == first);
        // A short last group joins a run only of its own value; it ends
        // the values, so no group follows it.
        if same && (group.len() == 8 || run.is_some_and(|(v, _)| v == first) || packed.is_empty()) {
            flush_packed(&mut packed, out);
            match &mut run {
                Some((v, n)) if *v == first => *n += group.len(),
                _ => {
                    flush_run(&mut run, out);
                    run = Some((first, group.len()));
                }
            }
        } else {
            flush_run(&mut run, out);
            packed.extend_from_slice(group);
        }
    }
    flush_run(&mut run, out);
    flush_packed(&mut packed, out);
}

/// Packs values of `width` bits, least significant bit first.
fn bit_pack(values: &[u32], width: u8, out: &mut Vec<u8>) {
    let width = u32::from(width);
    let (mut acc, mut bits) = (0u64, 0u32);
    for &v in values {
        acc |= u64::from(v) << bits;
        bits += width;
        while bits >= 8 {
            out.push((acc & 0xff) as u8);
            acc >>= 8;
            bits -= 8;
        }
    }
    if bits > 0 {
        out.push((acc & 0xff) as u8);
    }
}

/// An unsigned LEB128 varint.
fn uleb128(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hybrid_encoding_makes_runs_of_equal_groups_and_packs_the_rest() {
        let mut out = Vec::new();
        hybrid(&[1; 20], 1, &mut out);
        // One run of 20 ones: header 20 << 1, then the value in one byte.
        assert_eq!(out, vec![40, 1]);
        let mut out = Vec::new();
        hybrid(&[0, 1, 2, 3, 4, 5, 6, 7, 1], 3, &mut out);
        // Two bit-packed groups (the second padded): header (2 << 1) | 1.
        assert_eq!(out.first(), Some(&5));
        assert_eq!(out.len(), 1 + 3 + 3);
    }
}
