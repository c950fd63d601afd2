//! Export licences for chipexport: the record, matching an order to a
//! licence, drawdown with the shipping tolerance of 15 CFR 750.11, and
//! accounting for what a licence's conditions owe.
//!
//! * [`model`]: the licence record as a file holds it (TOML or JSON):
//!   number, authority, holder, dates, destinations, parties, lines with
//!   items and limits, conditions, provisos;
//! * [`parse`](mod@parse): reading a licence file, every error located to its line
//!   and key;
//! * [`matching`]: which licences cover an order, which one applies, and
//!   why each of the others does not;
//! * [`account`](mod@account): drawdowns, balances (the sum of drawdowns, never a stored
//!   number), what is owed per licence and per month, and alerts;
//! * [`cap`]: the volume cap, against the holder's US shipments as
//!   recorded.
//!
//! No storage, no clock, no rules engine: the store keeps licences and
//! drawdowns, the application layer supplies "today" and the decision.
#![warn(missing_docs)]

pub mod account;
pub mod cap;
pub mod matching;
pub mod model;
pub mod parse;

pub use account::{Account, Alert, Drawdown, Drawdowns, Owed, account, drawn, shipped};
pub use matching::{
    Applied, Drawn, History, ItemFacts, Match, Matcher, Order, Status, Tried, determine,
    same_model, same_party,
};
pub use model::{Condition, Licence, Line, Parties, Unit, UsShipments};
pub use parse::parse;
