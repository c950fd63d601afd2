//! "Today": the one place a date is read from the clock. Every use case
//! takes the date as an argument; the library below never calls `now()`.

use chipexport_domain::Date;

use crate::error::{Error, Result};

/// Where "today" comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system clock, in UTC.
    System,
    /// A fixed date (`CHIPEXPORT_TODAY`), for reproducible runs and tests.
    Fixed(Date),
}

impl Clock {
    /// `CHIPEXPORT_TODAY` when set (a bad value is an error, never ignored),
    /// else the system clock.
    pub fn from_env() -> Result<Clock> {
        match std::env::var("CHIPEXPORT_TODAY") {
            Ok(t) => chipexport_domain::parse_date(&t)
                .map(Clock::Fixed)
                .map_err(|m| {
                    Error::input(
                        format!("CHIPEXPORT_TODAY: {m}"),
                        "set it to a date such as 2026-11-29, or unset it",
                    )
                    .with_field("CHIPEXPORT_TODAY")
                }),
            Err(_) => Ok(Clock::System),
        }
    }

    /// Today's date.
    pub fn today(self) -> Date {
        match self {
            Clock::Fixed(d) => d,
            Clock::System => jiff::tz::TimeZone::UTC
                .to_datetime(jiff::Timestamp::now())
                .date(),
        }
    }
}

/// The current instant as RFC 3339 (for log entries).
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now().to_string()
}
