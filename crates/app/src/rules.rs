//! The rule packs: list, show, their own test cases, the SQL export and the
//! reference page.

use chipexport_domain::Date;
use chipexport_rules::conformance::CaseResult;
use chipexport_rules::engine::RuleSetRef;
use chipexport_rules::pack::{Pack, PackMeta};
use chipexport_rules::sql::Dialect;
use chipexport_rules::{Mode, explain};
use serde::Serialize;

use crate::App;
use crate::error::{Error, Result};

/// A pack in a list.
#[derive(Debug, Clone, Serialize)]
pub struct PackSummary {
    /// The pack id.
    pub id: String,
    /// Its metadata: title, authority, dates, citation, confidence.
    pub meta: PackMeta,
    /// How many rules it has.
    pub rules: usize,
    /// How many test cases it has.
    pub tests: usize,
    /// The file it was read from.
    pub file: String,
}

/// The packs.
#[derive(Debug, Clone, Serialize)]
pub struct RulesList {
    /// The rule set.
    pub rule_set: RuleSetRef,
    /// The packs, by effective date.
    pub packs: Vec<PackSummary>,
}

/// The packs' own test cases, run.
#[derive(Debug, Clone, Serialize)]
pub struct RulesTestReport {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Packs without a test case (each counts as a failure).
    pub untested_packs: Vec<String>,
    /// Every case with its failures.
    pub cases: Vec<CaseResult>,
}

impl RulesTestReport {
    /// True when every case passed and every pack has cases.
    pub fn all_passed(&self) -> bool {
        self.failed == 0 && self.untested_packs.is_empty()
    }
}

/// What the packs encode and the known gaps (`rules coverage`).
#[derive(Debug, Clone, Serialize)]
pub struct CoverageReport {
    /// The encoded regimes, per jurisdiction, with the first day covered.
    pub regimes: Vec<chipexport_rules::coverage::Regime>,
    /// Regimes that apply to some destinations and are not encoded: a
    /// question there is answered `outside_coverage`.
    pub gaps: Vec<chipexport_rules::coverage::Gap>,
    /// The rule set.
    pub rule_set: RuleSetRef,
}

/// The SQL export.
#[derive(Debug, Clone, Serialize)]
pub struct SqlExport {
    /// The rule set.
    pub rule_set: RuleSetRef,
    /// The columns the query reads from its `ledger` table.
    pub columns: Vec<&'static str>,
    /// The query.
    pub sql: String,
}

/// The columns the exported query reads from `ledger`.
pub const SQL_LEDGER_COLUMNS: &[&str] = &[
    "order_id",
    "chip",
    "destination",
    "end_user_hq",
    "exported_from",
    "buyer_type",
    "ship_date",
];

/// What the exported query does not do: screen the parties.
pub const SQL_WITHOUT_PARTIES: &str = "decides WITHOUT the parties: names (customer, end_user, consignee) are not screened, as with `chipexport screen --no-parties`; screen them with the native `screen`";

impl SqlExport {
    /// The query as a file: a header comment naming the rule set and the
    /// columns, then the query.
    pub fn text(&self) -> String {
        format!(
            "-- chipexport decision query, rule set {} (sha256 {})\n-- columns needed in `ledger`: {} (chip: catalog id or exact alias)\n-- {}\n{};",
            self.rule_set.id,
            self.rule_set.hash,
            self.columns.join(", "),
            SQL_WITHOUT_PARTIES,
            self.sql
        )
    }
}

impl App {
    /// The packs, or those in force on a date.
    pub fn rules_list(&self, on: Option<Date>) -> RulesList {
        let packs: Vec<&Pack> = match on {
            Some(d) => self.rules().packs_on(d, &[]),
            None => self.rules().packs().iter().collect(),
        };
        RulesList {
            rule_set: self.rules().reference(),
            packs: packs
                .into_iter()
                .map(|p| PackSummary {
                    id: p.meta.id.clone(),
                    meta: p.meta.clone(),
                    rules: p.rules.len(),
                    tests: p.tests.len(),
                    file: p.file.clone(),
                })
                .collect(),
        }
    }

    /// One pack by id.
    pub fn pack(&self, id: &str) -> Result<&Pack> {
        self.rules().pack(id).ok_or_else(|| {
            let near = chipexport_domain::diag::did_you_mean(
                id,
                self.rules().packs().iter().map(|p| p.meta.id.as_str()),
            );
            Error::input(
                format!("no pack `{id}`"),
                near.map_or(
                    "`chipexport rules list` shows the pack ids".to_string(),
                    |n| format!("did you mean `{n}`?"),
                ),
            )
            .with_field("id")
        })
    }

    /// Runs every pack's test cases, or one pack's.
    pub fn rules_test(&self, only: Option<&str>) -> Result<RulesTestReport> {
        if let Some(p) = only {
            self.pack(p).map_err(|e| e.with_field("pack"))?;
        }
        let cases = chipexport_rules::conformance::run(self.rules(), self.catalog(), only);
        let failed = cases.iter().filter(|r| !r.passed()).count();
        let untested_packs = self
            .rules()
            .packs()
            .iter()
            .filter(|p| p.tests.is_empty() && only.is_none_or(|x| x == p.meta.id))
            .map(|p| p.meta.id.clone())
            .collect();
        Ok(RulesTestReport {
            passed: cases.len() - failed,
            failed,
            untested_packs,
            cases,
        })
    }

    /// The whole decision as one SQL query over a table `ledger`.
    pub fn rules_sql(
        &self,
        dialect: Dialect,
        mode: Mode,
        with_packs: &[String],
    ) -> Result<SqlExport> {
        for p in with_packs {
            self.pack(p).map_err(|e| e.with_field("with_packs"))?;
        }
        Ok(SqlExport {
            rule_set: self.rules().reference(),
            columns: SQL_LEDGER_COLUMNS.to_vec(),
            sql: chipexport_rules::sql::decision_query(
                self.rules(),
                self.catalog(),
                dialect,
                mode,
                with_packs,
            ),
        })
    }

    /// What the packs encode, per jurisdiction and regime, and the known
    /// gaps where an answer is `outside_coverage`.
    pub fn rules_coverage(&self) -> Result<CoverageReport> {
        let c = self
            .rules()
            .coverage()
            .ok_or_else(|| Error::bug("the rule set was loaded without its coverage file"))?;
        Ok(CoverageReport {
            regimes: c.regimes.clone(),
            gaps: c.gaps.clone(),
            rule_set: self.rules().reference(),
        })
    }

    /// The rules reference page in Markdown.
    pub fn rules_doc(&self) -> String {
        explain::reference_markdown(self.rules())
    }
}
