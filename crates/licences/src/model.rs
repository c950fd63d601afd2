//! The licence record: what a licence file (TOML or JSON) holds.
//!
//! Every table refuses unknown keys, so a misspelt key is an error located
//! to its line rather than a term silently dropped.

use chipexport_domain::{Country, Date};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One export licence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    /// The licence number as the authority printed it, such as `D1234567`.
    pub number: String,
    /// Who issued it, such as `BIS` (US Department of Commerce, Bureau of
    /// Industry and Security).
    pub authority: String,
    /// The licensee (the exporter holding the licence).
    pub holder: String,
    /// The date it was issued.
    #[serde(deserialize_with = "chipexport_domain::serde_date::date")]
    pub issued: Date,
    /// The first day it may be used.
    #[serde(deserialize_with = "chipexport_domain::serde_date::date")]
    pub valid_from: Date,
    /// The last day it may be used (BIS licences are generally valid for
    /// four years, 15 CFR 750.7(g)).
    #[serde(deserialize_with = "chipexport_domain::serde_date::date")]
    pub valid_to: Date,
    /// The countries of ultimate destination it covers (ISO 3166 alpha-2).
    pub destinations: Vec<Country>,
    /// The parties it names; an order must name the same ones.
    #[serde(default)]
    pub parties: Parties,
    /// What it licenses, line by line, each with its own limits.
    pub lines: Vec<Line>,
    /// The conditions it imposes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// Provisos (riders and conditions) as printed, kept as text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provisos: Vec<String>,
}

/// The parties a licence names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parties {
    /// The ultimate consignee; `None` when the licence names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consignee: Option<String>,
    /// The end user; `None` when the licence names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user: Option<String>,
}

/// The unit a line's limit is counted in: the "Unit" paragraph of the
/// item's ECCN on the Commerce Control List, which decides the shipping
/// tolerance (15 CFR 750.11(a)(2), (b)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// "Number": no tolerance on the number of units; the value shipped may
    /// exceed the licence's value by up to 25% (750.11(b)(2)).
    #[default]
    Number,
    /// "$ value": no tolerance; the value shipped may not exceed the value
    /// on the licence (750.11(b)(1)).
    DollarValue,
}

/// One line of a licence: the items it covers and its limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    /// Catalog ids covered, such as `nvidia-h20-hgx-96gb`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
    /// Model names covered, such as `H20` (any catalog variant of it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<String>,
    /// Spec constraints every covered item meets, such as `tpp < 4800`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spec: Vec<String>,
    /// The ECCNs of the line, such as `3A090.a`; empty when not stated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub eccn: Vec<String>,
    /// The unit the ECCN counts in (default `number`).
    #[serde(default)]
    pub unit: Unit,
    /// The number of units licensed; required when the unit is `number`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u64>,
    /// The total value licensed, in US dollars.
    pub value: Decimal,
}

/// A condition of a licence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// A share of the sale revenue paid to a government (the 15% of the
    /// Aug 2025 H20 licences).
    RevenueShare {
        /// The share, in percent of the sale value.
        percent: Decimal,
        /// Who is paid.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payee: Option<String>,
    },
    /// A duty on the chip's customs value when it enters a country (the
    /// Section 232 duty of 25% on H200s imported into the US for testing):
    /// charged on the customs value, at entry, not on the sale.
    ImportDuty {
        /// The duty, in percent of the customs value.
        percent: Decimal,
        /// The country collecting it (ISO 3166 alpha-2).
        country: Country,
        /// The base and the point of payment, in words.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        basis: Option<String>,
    },
    /// A cap on units shipped under the licence relative to the holder's
    /// shipments of the same product to US customers: in every period for
    /// which the holder recorded its US shipments of a model ([`UsShipments`]),
    /// the units of that model shipped under the licence may not exceed the
    /// percentage of them (see [`crate::cap`]).
    VolumeCap {
        /// The cap, in percent of US shipments.
        percent_of_us_shipments: Decimal,
    },
    /// Testing before export (e.g. third-party testing in the US).
    Testing {
        /// What is tested, where and by whom.
        text: String,
    },
    /// Verification of the chips' location after delivery.
    LocationVerification {
        /// How and how often.
        text: String,
    },
    /// Reports owed to the authority.
    Reporting {
        /// What is reported.
        text: String,
        /// Every how many days, when periodic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        every_days: Option<u32>,
    },
}

impl Condition {
    /// The condition's kind, as in the file (`revenue_share`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Condition::RevenueShare { .. } => "revenue_share",
            Condition::ImportDuty { .. } => "import_duty",
            Condition::VolumeCap { .. } => "volume_cap",
            Condition::Testing { .. } => "testing",
            Condition::LocationVerification { .. } => "location_verification",
            Condition::Reporting { .. } => "reporting",
        }
    }

    /// The condition in a few words.
    pub fn describe(&self) -> String {
        match self {
            Condition::RevenueShare { percent, payee } => format!(
                "revenue share {percent}% of the sale value{}",
                payee.as_ref().map_or(String::new(), |p| format!(" to {p}"))
            ),
            Condition::ImportDuty {
                percent, country, ..
            } => format!("import duty {percent}% of the customs value on entry to {country}"),
            Condition::VolumeCap {
                percent_of_us_shipments,
            } => format!("volume cap {percent_of_us_shipments}% of shipments to US customers"),
            Condition::Testing { text } => format!("testing: {text}"),
            Condition::LocationVerification { text } => format!("location verification: {text}"),
            Condition::Reporting { text, every_days } => match every_days {
                Some(d) => format!("reporting every {d} days: {text}"),
                None => format!("reporting: {text}"),
            },
        }
    }
}

/// The holder's shipments of a model to US customers over a period, as the
/// holder recorded them (`licences us-shipments`): the base a
/// [`Condition::VolumeCap`] is a percentage of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsShipments {
    /// The model, such as `H200` (every catalog variant of it).
    pub model: String,
    /// The period's first day.
    #[serde(deserialize_with = "chipexport_domain::serde_date::date")]
    pub from: Date,
    /// The period's last day, included.
    #[serde(deserialize_with = "chipexport_domain::serde_date::date")]
    pub to: Date,
    /// Units of the model shipped to US customers in the period.
    pub units: u64,
}

/// A spec metric a line may constrain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Total processing performance.
    Tpp,
    /// Performance density (TPP per mm² of die).
    PerformanceDensity,
    /// Memory bandwidth, GB/s.
    MemoryBandwidthGbps,
    /// Interconnect bandwidth, GB/s.
    InterconnectGbps,
}

impl Metric {
    /// Every metric with its name in a constraint.
    pub const ALL: [(Metric, &'static str); 4] = [
        (Metric::Tpp, "tpp"),
        (Metric::PerformanceDensity, "performance_density"),
        (Metric::MemoryBandwidthGbps, "memory_bandwidth_gbps"),
        (Metric::InterconnectGbps, "interconnect_gbps"),
    ];
}

/// A comparison in a spec constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A spec constraint such as `tpp < 4800`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bound {
    /// The metric.
    pub metric: Metric,
    /// The comparison.
    pub op: Op,
    /// The figure.
    pub value: f64,
}

impl Bound {
    /// Parses `METRIC OP NUMBER` (`tpp < 4800`, `memory_bandwidth_gbps <= 4000`).
    pub fn parse(s: &str) -> Result<Bound, String> {
        let s = s.trim();
        let (name, rest) = s
            .split_once(|c: char| c == '<' || c == '>' || c.is_whitespace())
            .map(|(n, _)| (n, s.get(n.len()..).unwrap_or("").trim_start()))
            .ok_or_else(|| format!("`{s}` is not a constraint such as `tpp < 4800`"))?;
        let metric = Metric::ALL
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(m, _)| *m)
            .ok_or_else(|| {
                format!(
                    "unknown metric `{name}` (known: {})",
                    Metric::ALL.map(|(_, n)| n).join(", ")
                )
            })?;
        let (op, num) = if let Some(r) = rest.strip_prefix("<=") {
            (Op::Le, r)
        } else if let Some(r) = rest.strip_prefix(">=") {
            (Op::Ge, r)
        } else if let Some(r) = rest.strip_prefix('<') {
            (Op::Lt, r)
        } else if let Some(r) = rest.strip_prefix('>') {
            (Op::Gt, r)
        } else {
            return Err(format!(
                "`{s}` lacks a comparison: use <, <=, > or >= as in `tpp < 4800`"
            ));
        };
        let value: f64 = num
            .trim()
            .parse()
            .map_err(|_| format!("`{}` in `{s}` is not a number", num.trim()))?;
        if !value.is_finite() {
            return Err(format!("`{}` in `{s}` is not a finite number", num.trim()));
        }
        Ok(Bound { metric, op, value })
    }

    /// Whether a figure meets the bound; an unknown figure does not.
    pub fn holds(&self, figure: Option<f64>) -> bool {
        figure.is_some_and(|x| match self.op {
            Op::Lt => x < self.value,
            Op::Le => x <= self.value,
            Op::Gt => x > self.value,
            Op::Ge => x >= self.value,
        })
    }
}
