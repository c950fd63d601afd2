//! Options shared by several commands, each declared once.

use std::path::PathBuf;

use chipexport::choice::Choice;
use chipexport::{Ask, ItemRef};
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

/// The item: a catalog chip or a spec file.
#[derive(clap::Args, Clone)]
#[group(required = true, multiple = false)]
pub struct ItemArgs {
    /// A catalog id or model name (e.g. H20, A800, "RTX 4090", MI308X).
    #[arg(long)]
    pub chip: Option<String>,
    /// A spec file (TOML or JSON; see docs/spec-format.md).
    #[arg(long)]
    pub spec: Option<PathBuf>,
}

impl ItemArgs {
    /// The item, resolved (a spec file's errors are located in the file).
    /// A catalog name that was not exact is reported on standard error.
    pub fn resolve(&self, app: &chipexport::App) -> chipexport::Result<chipexport::question::Item> {
        let item = match (&self.chip, &self.spec) {
            (_, Some(p)) => chipexport::question::Item::of_file(p)?,
            (c, None) => ItemRef {
                chip: c.clone(),
                spec: None,
            }
            .resolve(app.catalog())?,
        };
        if let Some(r) = &item.resolution {
            eprintln!("note: {r}");
        }
        Ok(item)
    }
}

/// The question's options (everything but the item and the date).
#[derive(clap::Args, Clone)]
pub struct QuestionArgs {
    /// Destination country (ISO 3166 alpha-2, e.g. CN, SG, MO).
    #[arg(long)]
    pub to: String,
    /// Headquarters of the end user or its ultimate parent [default: the destination].
    #[arg(long)]
    pub end_user_hq: Option<String>,
    /// Exporting country.
    #[arg(long, default_value = "US")]
    pub from: String,
    /// Kind of buyer, when measures depend on it: a buyer type of the rules'
    /// vocabulary (data/vocabulary.toml), e.g. commercial, government,
    /// military, state_owned_enterprise, university.
    #[arg(long)]
    pub buyer_type: Option<String>,
    /// Role of the exporter, when rules depend on it: designer, foundry,
    /// osat or distributor (data/vocabulary.toml).
    #[arg(long)]
    pub exporter_role: Option<String>,
    /// Whether the item is subject to the US EAR, when that does not follow
    /// from the facts (it does for exports from the US and US-designed
    /// items). Foreign-made items can be, e.g. under the foreign direct
    /// product rules.
    #[arg(long, value_name = "true|false")]
    pub subject_to_ear: Option<bool>,
    /// Apply what is enforced (the default).
    #[arg(long, conflicts_with = "as_written")]
    pub enforced: bool,
    /// Hindsight: use the rules and facts public on this date (YYYY-MM-DD)
    /// instead of on the question's date [default: the question's date].
    #[arg(long, value_name = "DATE")]
    pub known_as_of: Option<String>,
    /// Only rules encoded at least this surely decide; a weaker rule that
    /// would fire leaves the answer undetermined.
    #[arg(long, value_name = "LEVEL", value_parser = confidence)]
    pub min_confidence: Option<chipexport_domain::Confidence>,
    #[command(flatten)]
    pub rules: RulesArgs,
    #[command(flatten)]
    pub parties: PartyArgs,
}

/// The parties, screened against the restricted-party lists (the embedded
/// Consolidated Screening List of 31 Jul 2026).
#[derive(clap::Args, Clone, Default)]
pub struct PartyArgs {
    /// The buyer (purchaser), screened; its listing decides with the rules.
    #[arg(long, value_name = "NAME")]
    pub buyer: Option<String>,
    /// The buyer's country (ISO alpha-2), a qualifier of its screening.
    #[arg(long, value_name = "CC", requires = "buyer")]
    pub buyer_country: Option<String>,
    /// The end user, screened.
    #[arg(long, value_name = "NAME")]
    pub end_user: Option<String>,
    /// The end user's country.
    #[arg(long, value_name = "CC", requires = "end_user")]
    pub end_user_country: Option<String>,
    /// The intermediate or ultimate consignee, screened.
    #[arg(long, value_name = "NAME")]
    pub consignee: Option<String>,
    /// The consignee's country.
    #[arg(long, value_name = "CC", requires = "consignee")]
    pub consignee_country: Option<String>,
    /// An owner of the buyer or end user, NAME=PERCENT (or NAME when the
    /// share is unknown), repeatable: listed owners holding 50% or more in
    /// aggregate pass on their licence requirement (the affiliates rule).
    #[arg(long = "owner", value_name = "NAME=PERCENT")]
    pub owners: Vec<String>,
}

impl QuestionArgs {
    /// The question on `on` (today when `None`).
    pub fn ask(&self, on: Option<&str>) -> Ask {
        Ask {
            to: self.to.clone(),
            end_user_hq: self.end_user_hq.clone(),
            from: Some(self.from.clone()),
            on: on.map(str::to_string),
            buyer_type: self.buyer_type.clone(),
            exporter_role: self.exporter_role.clone(),
            subject_to_ear: self.subject_to_ear,
            as_written: self.rules.as_written,
            with_packs: self.rules.with_packs.clone(),
            known_as_of: self.known_as_of.clone(),
            min_confidence: self.min_confidence,
            buyer: self.parties.buyer.clone(),
            buyer_country: self.parties.buyer_country.clone(),
            end_user: self.parties.end_user.clone(),
            end_user_country: self.parties.end_user_country.clone(),
            consignee: self.parties.consignee.clone(),
            consignee_country: self.parties.consignee_country.clone(),
            owners: self.parties.owners.clone(),
        }
    }
}

/// A dated question about an item: the item, the question's options and
/// the date.
#[derive(clap::Args, Clone)]
pub struct DatedQuestionArgs {
    #[command(flatten)]
    pub item: ItemArgs,
    #[command(flatten)]
    pub q: QuestionArgs,
    /// Date of the question, YYYY-MM-DD [default: today].
    #[arg(long)]
    pub on: Option<String>,
}

impl DatedQuestionArgs {
    /// The question's options, with its date.
    pub fn ask(&self) -> Ask {
        self.q.ask(self.on.as_deref())
    }
}

/// Which rules apply: enforcement mode, bills, extra pack files.
#[derive(clap::Args, Clone)]
pub struct RulesArgs {
    /// Apply instruments as printed, even those not enforced.
    #[arg(long)]
    pub as_written: bool,
    /// Also apply a proposed instrument (a bill) by pack id, as if in force.
    #[arg(long = "with-pack", value_name = "PACK_ID")]
    pub with_packs: Vec<String>,
    /// Load an extra rule pack file (a hypothetical or your own instrument).
    #[arg(long = "rules", value_name = "FILE")]
    pub rule_files: Vec<PathBuf>,
}

impl RulesArgs {
    /// The rule set: the embedded packs plus the extra files.
    pub fn app(&self) -> chipexport::Result<chipexport::App> {
        chipexport::App::with_rule_files(&self.rule_files)
    }

    /// The mode the flags choose.
    pub fn mode(&self) -> chipexport::Mode {
        if self.as_written {
            chipexport::Mode::AsWritten
        } else {
            chipexport::Mode::Enforced
        }
    }
}

/// Where the decision log and the licence book live.
#[derive(clap::Args, Clone)]
pub struct LogArgs {
    /// The data directory (created on first use).
    #[arg(long, default_value = "chipexport-data")]
    pub data: PathBuf,
    /// Keep the decision log and the licence book in PostgreSQL at this URL
    /// instead of the data directory (needs a build with `--features
    /// postgres`).
    #[arg(long, env = "CHIPEXPORT_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
}

impl LogArgs {
    /// The location of the log and the licence book.
    pub fn location(&self) -> chipexport::audit::LogLocation {
        chipexport::audit::LogLocation {
            data: self.data.clone(),
            database_url: self.database_url.clone(),
        }
    }
}

/// A value parser offering exactly the values of a [`Choice`], each with
/// its help; an unknown value is a usage error.
pub fn choice<T: Choice + Clone + PartialEq>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(
        T::VALUES
            .iter()
            .map(|(_, n, h)| PossibleValue::new(*n).help(*h)),
    )
    .try_map(|s| T::parse("", &s).map_err(|e| e.message().to_string()))
}

/// Parses a confidence level (`confirmed`, `secondary`, `estimate`,
/// `unconfirmed`).
fn confidence(s: &str) -> Result<chipexport_domain::Confidence, String> {
    use serde::Deserialize as _;
    let de = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(s);
    chipexport_domain::Confidence::deserialize(de).map_err(|_| {
        format!("`{s}` is not a confidence level: confirmed, secondary, estimate or unconfirmed")
    })
}
