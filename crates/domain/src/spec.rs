//! The chip spec: what a user or the catalog says about one integrated
//! circuit. The format is documented in `docs/spec-format.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::confidence::Confidence;
use crate::country::Country;
use crate::diag::{DataError, Format, SourceFile, did_you_mean};

/// A numeric precision of a throughput figure, with the bit length the
/// Technical Note to 3A090 multiplies it by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 64-bit floating point.
    Fp64,
    /// 32-bit floating point.
    Fp32,
    /// TensorFloat-32 (counted at 32 bits).
    Tf32,
    /// 16-bit integer.
    Int16,
    /// 16-bit floating point.
    Fp16,
    /// bfloat16.
    Bf16,
    /// 8-bit floating point.
    Fp8,
    /// 8-bit integer.
    Int8,
    /// 6-bit floating point.
    Fp6,
    /// 4-bit integer.
    Int4,
    /// 4-bit floating point.
    Fp4,
}

impl Precision {
    /// Every precision, widest first.
    pub const ALL: [Precision; 11] = [
        Precision::Fp64,
        Precision::Fp32,
        Precision::Tf32,
        Precision::Int16,
        Precision::Fp16,
        Precision::Bf16,
        Precision::Fp8,
        Precision::Int8,
        Precision::Fp6,
        Precision::Int4,
        Precision::Fp4,
    ];

    /// The bit length used for TPP. TF32 counts at 32 (see
    /// `docs/spec-format.md`: never understate TPP).
    pub fn bits(self) -> u32 {
        match self {
            Precision::Fp64 => 64,
            Precision::Fp32 | Precision::Tf32 => 32,
            Precision::Int16 | Precision::Fp16 | Precision::Bf16 => 16,
            Precision::Fp8 | Precision::Int8 => 8,
            Precision::Fp6 => 6,
            Precision::Int4 | Precision::Fp4 => 4,
        }
    }

    /// The name used in spec files and reports, such as `fp8`.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Fp64 => "fp64",
            Precision::Fp32 => "fp32",
            Precision::Tf32 => "tf32",
            Precision::Int16 => "int16",
            Precision::Fp16 => "fp16",
            Precision::Bf16 => "bf16",
            Precision::Fp8 => "fp8",
            Precision::Int8 => "int8",
            Precision::Fp6 => "fp6",
            Precision::Int4 => "int4",
            Precision::Fp4 => "fp4",
        }
    }

    /// The precision named `s` (as [`Precision::as_str`] writes it); `None` for
    /// any other name.
    pub fn parse(s: &str) -> Option<Precision> {
        Precision::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Peak throughput per precision, in TOPS or TFLOPS.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Throughput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// FP64, TFLOPS; `None` when not published.
    pub fp64: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// FP32, TFLOPS; `None` when not published.
    pub fp32: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// TF32, TFLOPS; `None` when not published.
    pub tf32: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// INT16, TOPS; `None` when not published.
    pub int16: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// FP16, TFLOPS; `None` when not published.
    pub fp16: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// BF16, TFLOPS; `None` when not published.
    pub bf16: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// FP8, TFLOPS; `None` when not published.
    pub fp8: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// INT8, TOPS; `None` when not published.
    pub int8: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// FP6, TFLOPS; `None` when not published.
    pub fp6: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// INT4, TOPS; `None` when not published.
    pub int4: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// FP4, TFLOPS; `None` when not published.
    pub fp4: Option<f64>,
}

impl Throughput {
    /// The figure for a precision; `None` when there is none.
    pub fn get(&self, p: Precision) -> Option<f64> {
        match p {
            Precision::Fp64 => self.fp64,
            Precision::Fp32 => self.fp32,
            Precision::Tf32 => self.tf32,
            Precision::Int16 => self.int16,
            Precision::Fp16 => self.fp16,
            Precision::Bf16 => self.bf16,
            Precision::Fp8 => self.fp8,
            Precision::Int8 => self.int8,
            Precision::Fp6 => self.fp6,
            Precision::Int4 => self.int4,
            Precision::Fp4 => self.fp4,
        }
    }

    /// Sets (or, with `None`, removes) the figure for a precision.
    pub fn set(&mut self, p: Precision, v: Option<f64>) {
        let slot = match p {
            Precision::Fp64 => &mut self.fp64,
            Precision::Fp32 => &mut self.fp32,
            Precision::Tf32 => &mut self.tf32,
            Precision::Int16 => &mut self.int16,
            Precision::Fp16 => &mut self.fp16,
            Precision::Bf16 => &mut self.bf16,
            Precision::Fp8 => &mut self.fp8,
            Precision::Int8 => &mut self.int8,
            Precision::Fp6 => &mut self.fp6,
            Precision::Int4 => &mut self.int4,
            Precision::Fp4 => &mut self.fp4,
        };
        *slot = v;
    }

    /// The precisions that have a figure, in [`Precision::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Precision, f64)> + '_ {
        Precision::ALL
            .into_iter()
            .filter_map(|p| self.get(p).map(|v| (p, v)))
    }

    /// True when no precision has a figure.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

/// Where a figure comes from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The page or document; `None` for a source without one.
    pub url: Option<String>,
    /// The fields this source backs; empty means the whole entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// What the source says or how the figure was derived from it.
    pub note: Option<String>,
}

/// Figures of the reference table, kept to cross-check derived metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceFigures {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Total processing performance from the reference table.
    pub tpp: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Performance density (TPP per mm² of die area) from the reference table.
    pub performance_density: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Which precision and figure the reference table's TPP is based on, in
    /// words.
    pub tpp_basis: Option<String>,
}

fn default_true() -> bool {
    true
}

/// One integrated circuit, as a catalog entry or a user's design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChipSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The catalog id (a slug such as `nvidia-h20-hgx-96gb`); `None` for a
    /// user's spec.
    pub id: Option<String>,
    /// The model name, such as `H20`.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The vendor, such as `NVIDIA`; `None` when not given.
    pub vendor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The SKU or form-factor variant, such as `HGX 96GB`; `None` when not given.
    pub variant: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// Other names the catalog finds the chip by.
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// Names that fit several catalog entries (variants of one model) and
    /// denote this one unless the user names a variant, such as `H20` for
    /// the 96 GB H20; each must be the model name or one of the aliases.
    /// Catalog entries only; a lookup that uses it says so.
    pub default_for: Vec<String>,
    /// Designed or marketed for use in datacenters. Unknown when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datacenter: Option<bool>,
    #[serde(default = "default_true")]
    /// Logic dies on a non-planar (FinFET or GAA) process; true unless said
    /// otherwise.
    pub non_planar: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Applicable die area: the total area of logic dies on a non-planar
    /// process, in mm²; `None` when unknown.
    pub die_area_mm2: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// DRAM bandwidth, in GB/s; `None` when unknown.
    pub memory_bandwidth_gbps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Aggregate bidirectional transfer rate to other ICs, memory excluded, in
    /// GB/s; `None` when unknown.
    pub interconnect_gbps: Option<f64>,
    #[serde(default)]
    /// Dense peak throughput per precision.
    pub throughput: Throughput,
    #[serde(default, skip_serializing_if = "Throughput::is_empty")]
    /// Throughput quoted with sparsity; never used as is (see
    /// `docs/spec-format.md`).
    pub throughput_sparse: Throughput,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Form factor, such as `SXM` or `PCIe`; `None` when not given.
    pub form_factor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Process node, such as `TSMC 4N`; `None` when not given.
    pub process_node: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Number of logic dies; `None` when not given.
    pub logic_die_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Transistors, in billions; `None` when not given.
    pub transistors_billion: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Memory type, such as `HBM3`; `None` when not given.
    pub memory_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Memory capacity, in GB; `None` when not given.
    pub memory_gb: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Thermal design power, in watts; `None` when not given.
    pub tdp_w: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Year of launch; `None` when not given.
    pub launch_year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Country of the designer's headquarters; `None` when not given.
    pub origin_country: Option<Country>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The ECCN the vendor (or the user) gives the item, if any. Never the
    /// engine's classification: it is read only to look the item up in the
    /// Commerce Country Chart when the engine classifies it outside 3A090.
    pub eccn_claimed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Free text.
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// How good the sources are, in words (from the reference table).
    pub source_quality: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    /// Confidence per field or group of fields (such as `throughput`).
    pub confidence: BTreeMap<String, Confidence>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// Where the figures come from.
    pub sources: Vec<Source>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Figures of the reference table, to cross-check the derived metrics;
    /// `None` for a user's spec.
    pub reference: Option<ReferenceFigures>,
}

/// Top-level keys of a spec, for unknown-key diagnostics.
pub const SPEC_KEYS: &[&str] = &[
    "id",
    "name",
    "vendor",
    "variant",
    "aliases",
    "default_for",
    "datacenter",
    "non_planar",
    "die_area_mm2",
    "memory_bandwidth_gbps",
    "interconnect_gbps",
    "throughput",
    "throughput_sparse",
    "form_factor",
    "process_node",
    "logic_die_count",
    "transistors_billion",
    "memory_type",
    "memory_gb",
    "tdp_w",
    "launch_year",
    "origin_country",
    "eccn_claimed",
    "notes",
    "source_quality",
    "confidence",
    "sources",
    "reference",
];
const SOURCE_KEYS: &[&str] = &["url", "covers", "note"];
const REFERENCE_KEYS: &[&str] = &["tpp", "performance_density", "tpp_basis"];

/// Upper bounds beyond which a figure is taken as a unit mistake.
pub const MAX_DIE_AREA_MM2: f64 = 10_000.0;
/// The largest credible throughput figure, in TOPS or TFLOPS.
pub const MAX_THROUGHPUT: f64 = 1_000_000.0;
/// The largest credible bandwidth, in GB/s.
pub const MAX_BANDWIDTH_GBPS: f64 = 1_000_000.0;

impl ChipSpec {
    /// Parses and validates a spec file (TOML or JSON by extension). Every
    /// problem found is returned, each located in the file.
    pub fn parse(file: &SourceFile) -> Result<ChipSpec, Vec<DataError>> {
        let mut errors = check_keys(file);
        if !errors.is_empty() {
            return Err(errors);
        }
        let spec: ChipSpec = match file.format {
            Format::Toml => toml::from_str(&file.text).map_err(|e| vec![toml_error(file, &e)])?,
            Format::Json => {
                serde_json::from_str(&file.text).map_err(|e| vec![json_error(file, &e)])?
            }
        };
        errors.extend(spec.validate(file));
        if errors.is_empty() {
            Ok(spec)
        } else {
            Err(errors)
        }
    }

    /// A display name: vendor, model and variant.
    pub fn display_name(&self) -> String {
        let mut s = String::new();
        if let Some(v) = &self.vendor {
            s.push_str(v);
            s.push(' ');
        }
        s.push_str(&self.name);
        if let Some(v) = &self.variant {
            s.push_str(" (");
            s.push_str(v);
            s.push(')');
        }
        s
    }

    /// The confidence of a field: its own entry, or `throughput` for the
    /// throughput table, or confirmed when nothing is said.
    pub fn confidence_of(&self, field: &str) -> Confidence {
        self.confidence
            .get(field)
            .copied()
            .unwrap_or(Confidence::Confirmed)
    }

    fn validate(&self, file: &SourceFile) -> Vec<DataError> {
        let mut errors = Vec::new();
        let mut num = |path: &[&str], v: Option<f64>, max: f64, unit: &str| {
            if let Some(v) = v
                && let Some(msg) = check_number(v, max, unit)
            {
                errors.push(file.error_at(
                    path,
                    format!("`{}` {msg}", path.join(".")),
                    Some(number_help(path, max, unit)),
                ));
            }
        };
        num(
            &["die_area_mm2"],
            self.die_area_mm2,
            MAX_DIE_AREA_MM2,
            "mm²",
        );
        num(
            &["memory_bandwidth_gbps"],
            self.memory_bandwidth_gbps,
            MAX_BANDWIDTH_GBPS,
            "GB/s",
        );
        // 0 is a real value here: a card with no chip-to-chip link.
        num(
            &["interconnect_gbps"],
            self.interconnect_gbps.filter(|v| *v != 0.0),
            MAX_BANDWIDTH_GBPS,
            "GB/s",
        );
        num(
            &["transistors_billion"],
            self.transistors_billion,
            10_000.0,
            "billion transistors",
        );
        num(&["memory_gb"], self.memory_gb, 100_000.0, "GB");
        num(&["tdp_w"], self.tdp_w, 100_000.0, "W");
        for (table, t) in [
            ("throughput", &self.throughput),
            ("throughput_sparse", &self.throughput_sparse),
        ] {
            for (p, v) in t.iter() {
                num(&[table, p.as_str()], Some(v), MAX_THROUGHPUT, "TOPS");
            }
        }
        if self.name.trim().is_empty() {
            errors.push(file.error_at(
                &["name"],
                "`name` is empty",
                Some("give the model name, e.g. `name = \"H20\"`".into()),
            ));
        }
        if let Some(id) = &self.id
            && !is_slug(id)
        {
            errors.push(file.error_at(
                    &["id"],
                    format!("`id` `{id}` is not a slug"),
                    Some("use lowercase letters, digits and single hyphens, e.g. `nvidia-h20-hgx-96gb`".into()),
                ));
        }
        if let Some(y) = self.launch_year
            && !(1990..=2100).contains(&y)
        {
            errors.push(file.error_at(
                &["launch_year"],
                format!("`launch_year` {y} is out of range"),
                Some("give a year between 1990 and 2100".into()),
            ));
        }
        errors
    }
}

fn check_number(v: f64, max: f64, unit: &str) -> Option<String> {
    if v.is_nan() {
        Some("is not a number".into())
    } else if v.is_infinite() {
        Some("is infinite".into())
    } else if v < 0.0 {
        Some(format!("is negative ({v})"))
    } else if v == 0.0 {
        Some("is zero".into())
    } else if v > max {
        Some(format!(
            "is {v} {unit}, more than the plausible maximum of {max} {unit}"
        ))
    } else {
        None
    }
}

fn number_help(path: &[&str], max: f64, unit: &str) -> String {
    let key = path.last().copied().unwrap_or("");
    let unit_hint = match key {
        "die_area_mm2" => " (die area is in mm²: an H100 die is 814 mm²)",
        "memory_bandwidth_gbps" | "interconnect_gbps" => {
            " (bandwidth is in GB/s: 3.35 TB/s is 3350)"
        }
        _ if path.first().is_some_and(|t| t.starts_with("throughput")) => {
            " (throughput is in dense TOPS or TFLOPS: 1,979 TFLOPS is 1979)"
        }
        _ => "",
    };
    format!(
        "give a positive value up to {max} {unit}{unit_hint}; leave the key out if it is unknown"
    )
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// The allowed keys of a table in a spec, by its path.
fn allowed_keys(path: &[String]) -> Option<Vec<&'static str>> {
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    match path.as_slice() {
        [] => Some(SPEC_KEYS.to_vec()),
        ["throughput"] | ["throughput_sparse"] => {
            Some(Precision::ALL.iter().map(|p| p.as_str()).collect())
        }
        ["sources", _] => Some(SOURCE_KEYS.to_vec()),
        ["reference"] => Some(REFERENCE_KEYS.to_vec()),
        // `confidence` maps field names to levels: any field name.
        ["confidence"] => Some(SPEC_KEYS.to_vec()),
        _ => None,
    }
}

/// Walks the document and reports every key that is not part of the format,
/// with the nearest valid key.
fn check_keys(file: &SourceFile) -> Vec<DataError> {
    let tree = match file.format {
        Format::Toml => match toml::from_str::<toml::Value>(&file.text) {
            Ok(v) => serde_json::to_value(v).ok(),
            Err(e) => return vec![toml_error(file, &e)],
        },
        Format::Json => match serde_json::from_str::<serde_json::Value>(&file.text) {
            Ok(v) => Some(v),
            Err(e) => return vec![json_error(file, &e)],
        },
    };
    let mut errors = Vec::new();
    if let Some(tree) = tree {
        if !tree.is_object() {
            errors.push(DataError::new(
                file,
                Some(0..0),
                None,
                "a spec must be a table of keys".into(),
                Some("see docs/spec-format.md".into()),
            ));
        }
        walk_keys(file, &tree, &mut Vec::new(), &mut errors);
    }
    errors
}

fn walk_keys(
    file: &SourceFile,
    value: &serde_json::Value,
    path: &mut Vec<String>,
    errors: &mut Vec<DataError>,
) {
    match value {
        serde_json::Value::Object(map) => {
            let allowed = allowed_keys(path);
            for (k, v) in map {
                if let Some(allowed) = &allowed
                    && !allowed.contains(&k.as_str())
                {
                    let mut full: Vec<&str> = path.iter().map(String::as_str).collect();
                    full.push(k);
                    let where_ = if path.is_empty() {
                        "a spec".to_string()
                    } else {
                        format!("`[{}]`", path.join("."))
                    };
                    let help = match did_you_mean(k, allowed.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("valid keys here: {}", allowed.join(", ")),
                    };
                    errors.push(file.error_at(
                        &full,
                        format!("unknown key `{k}` in {where_}"),
                        Some(help),
                    ));
                    continue;
                }
                path.push(k.clone());
                walk_keys(file, v, path, errors);
                path.pop();
            }
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                walk_keys(file, item, path, errors);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Converts a TOML deserialisation error into a located diagnostic.
pub fn toml_error(file: &SourceFile, e: &toml::de::Error) -> DataError {
    let message = e.message().trim().replace('\n', " ");
    DataError::new(file, e.span(), None, message, Some(type_help(e.message())))
}

/// Converts a JSON deserialisation error into a located diagnostic.
pub fn json_error(file: &SourceFile, e: &serde_json::Error) -> DataError {
    let offset = offset_of_line_col(&file.text, e.line(), e.column());
    let message = e.to_string();
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    DataError::new(
        file,
        Some(offset..offset),
        None,
        message,
        Some(type_help(&e.to_string())),
    )
}

fn type_help(msg: &str) -> String {
    if msg.contains("missing field") {
        "add the missing key; see docs/spec-format.md for the format".into()
    } else if msg.contains("invalid type") {
        "numbers are plain numbers (e.g. `814`), flags are `true`/`false`, names are quoted strings"
            .into()
    } else {
        "see docs/spec-format.md for the format".into()
    }
}

fn offset_of_line_col(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset + col.saturating_sub(1).min(l.len());
        }
        offset += l.len();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, text: &str) -> Result<ChipSpec, Vec<DataError>> {
        ChipSpec::parse(&SourceFile::new(name, text))
    }

    #[test]
    fn parses_minimal_contract_spec() {
        let s = parse(
            "a.toml",
            "name = \"H20\"\ndatacenter = true\ndie_area_mm2 = 814\n[throughput]\nfp8 = 296\nfp16 = 148\n",
        );
        let s = s.unwrap_or_else(|e| unreachable!("{e:?}"));
        assert!(s.non_planar, "non_planar defaults to true");
        assert_eq!(s.throughput.fp8, Some(296.0));
    }

    #[test]
    fn misspelt_key_names_key_line_and_fix() {
        let errs = parse("a.toml", "name = \"x\"\ndie_area_mm = 814\n")
            .err()
            .unwrap_or_default();
        let e = errs
            .first()
            .map(|e| (e.message.clone(), e.line, e.help.clone()));
        assert_eq!(
            e,
            Some((
                "unknown key `die_area_mm` in a spec".into(),
                Some(2),
                Some("did you mean `die_area_mm2`?".into())
            ))
        );
    }

    #[test]
    fn rejects_absurd_negative_and_zero_values() {
        for (text, needle) in [
            (
                "name = \"x\"\ndie_area_mm2 = 10000000\n",
                "plausible maximum",
            ),
            ("name = \"x\"\n[throughput]\nfp8 = -1\n", "negative"),
            ("name = \"x\"\nmemory_bandwidth_gbps = 0\n", "zero"),
            ("name = \"x\"\ndie_area_mm2 = nan\n", "not a number"),
        ] {
            let errs = parse("a.toml", text).err().unwrap_or_default();
            assert!(
                errs.iter()
                    .any(|e| e.message.contains(needle) && e.line.is_some()),
                "{text}: {errs:?}"
            );
        }
    }

    #[test]
    fn an_interconnect_of_zero_is_a_card_without_links() {
        let spec = parse("a.toml", "name = \"x\"\ninterconnect_gbps = 0\n").ok();
        assert_eq!(spec.and_then(|s| s.interconnect_gbps), Some(0.0));
        let errs = parse("a.toml", "name = \"x\"\ninterconnect_gbps = -1\n")
            .err()
            .unwrap_or_default();
        assert!(
            errs.iter().any(|e| e.message.contains("negative")),
            "{errs:?}"
        );
    }

    #[test]
    fn wrong_type_is_located() {
        let errs = parse("a.toml", "name = \"x\"\ndatacenter = \"yes\"\n")
            .err()
            .unwrap_or_default();
        assert_eq!(errs.first().and_then(|e| e.line), Some(2));
    }

    #[test]
    fn json_specs_are_accepted_and_located() {
        let ok = parse("a.json", r#"{"name": "H20", "throughput": {"fp8": 296}}"#);
        assert!(ok.is_ok());
        let errs = parse(
            "a.json",
            "{\n\"name\": \"x\",\n\"throughput\": {\"fp9\": 1}\n}",
        )
        .err()
        .unwrap_or_default();
        assert_eq!(errs.first().and_then(|e| e.line), Some(3));
    }
}
