//! Log errors: each says its fault and what to do, and keeps its cause.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use chipexport_domain::Fault;

use crate::SCHEMA_VERSION;

/// The cause of a [`StoreError`]: the SQLite, PostgreSQL or I/O error.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A log error, with its fault ([`StoreError::fault`]) and what to do about
/// it (its `miette` help). `path` is where the log is: the SQLite file, the
/// data directory, or the database URL without its password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process holds the log's write lock, longer than the busy
    /// timeout.
    #[error("the decision log `{path}` is locked by another process")]
    Busy {
        /// The log.
        path: String,
        /// How long the append waited; `None` when it did not wait.
        waited: Option<Duration>,
        /// The database's error.
        source: Cause,
    },
    /// The disk (or the database server's disk) is full.
    #[error("the disk holding the decision log `{path}` is full")]
    Full {
        /// The log.
        path: String,
        /// The database's or the system's error.
        source: Cause,
    },
    /// The log is read-only, or this user may not write it.
    #[error("the decision log `{path}` is read-only or not permitted to this user")]
    Denied {
        /// The log.
        path: String,
        /// The database's error.
        source: Cause,
    },
    /// The data directory cannot be created.
    #[error("cannot create the data directory `{path}`")]
    Dir {
        /// The data directory.
        path: String,
        /// The system's error.
        source: std::io::Error,
    },
    /// The log's file cannot be opened.
    #[error("cannot open the decision log `{path}`")]
    Open {
        /// The log's file.
        path: String,
        /// The database's error.
        source: Cause,
    },
    /// The log is damaged, or is not a decision log.
    #[error("the decision log `{path}` is damaged or is not a decision log")]
    Corrupt {
        /// The log.
        path: String,
        /// The database's error.
        source: Cause,
    },
    /// The disk failed while reading or writing the log.
    #[error("a disk error on the decision log `{path}`")]
    Io {
        /// The log.
        path: String,
        /// The database's error.
        source: Cause,
    },
    /// The database server cannot be reached or refuses this user.
    #[error("cannot reach the decision log database `{path}`")]
    Unavailable {
        /// The database URL without its password.
        path: String,
        /// The client's error.
        source: Cause,
    },
    /// The log was written by a newer chipexport.
    #[error(
        "the decision log `{path}` has schema {found}, newer than this chipexport reads ({SCHEMA_VERSION})"
    )]
    TooNew {
        /// The log.
        path: String,
        /// The schema version found in the log.
        found: i64,
    },
    /// A `postgres://` location that is not a valid connection URL.
    #[error("`{url}` is not a valid PostgreSQL URL")]
    Url {
        /// The URL as given, without its password.
        url: String,
        /// Why it cannot be parsed.
        source: Cause,
    },
    /// A `postgres://` location, and this build has no PostgreSQL support.
    #[error("`{url}` is a PostgreSQL URL, and this chipexport was built without PostgreSQL")]
    Unsupported {
        /// The URL as given, without its password.
        url: String,
    },
    /// Any other database error: a bug in chipexport.
    #[error("unexpected error from the decision log `{path}`")]
    Unexpected {
        /// The log.
        path: String,
        /// The database's error.
        source: Cause,
    },
}

impl StoreError {
    /// Who is at fault: [`Fault::Input`] for a bad URL, [`Fault::Bug`] for
    /// [`StoreError::Unexpected`], [`Fault::Environment`] for the rest (a
    /// locked, full, read-only, damaged or unreachable log, or a log of a
    /// newer chipexport).
    pub fn fault(&self) -> Fault {
        match self {
            StoreError::Url { .. } => Fault::Input,
            StoreError::Unexpected { .. } => Fault::Bug,
            StoreError::Busy { .. }
            | StoreError::Full { .. }
            | StoreError::Denied { .. }
            | StoreError::Dir { .. }
            | StoreError::Open { .. }
            | StoreError::Corrupt { .. }
            | StoreError::Io { .. }
            | StoreError::Unavailable { .. }
            | StoreError::TooNew { .. }
            | StoreError::Unsupported { .. } => Fault::Environment,
        }
    }

    /// What to do about it.
    pub fn help(&self) -> String {
        match self {
            StoreError::Busy {
                path,
                waited: Some(w),
                ..
            } => format!(
                "another chipexport or tool holds `{path}`; wait, or stop it (chipexport waited {} ms for it)",
                w.as_millis()
            ),
            StoreError::Busy { path, .. } => {
                format!("another chipexport or tool holds `{path}`; wait, or stop it")
            }
            StoreError::Full { path, .. } => format!("free space on the disk holding `{path}`"),
            StoreError::Denied { path, .. } => format!(
                "make `{path}` and its folder writable by this user, or use another data directory"
            ),
            StoreError::Dir { path, source } => match source.kind() {
                std::io::ErrorKind::StorageFull => {
                    format!("free space on the disk that would hold `{path}`")
                }
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                    format!(
                        "make the folder above `{path}` writable by this user, or use another data directory"
                    )
                }
                std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::NotADirectory => format!(
                    "`{path}` or a folder above it is a file, not a directory: use another data directory"
                ),
                _ => format!(
                    "check that this user can create `{path}`, or use another data directory"
                ),
            },
            StoreError::Open { path, .. } => format!(
                "check that `{path}` is a file this user can read and write, in a folder it can write"
            ),
            StoreError::Corrupt { path, .. } => format!(
                "restore `{path}` from a backup (`chipexport audit verify` checks the copy); keep the damaged file for investigation"
            ),
            StoreError::Io { path, .. } => format!(
                "check the disk holding `{path}` (the system log names the failure); restore from a backup if the disk is failing"
            ),
            StoreError::Unavailable { path, .. } => format!(
                "check that the PostgreSQL server of `{path}` is up, that the database exists, and the user and password in the URL"
            ),
            StoreError::TooNew { found, .. } => format!(
                "upgrade chipexport to a version that reads schema {found}, or use another data directory"
            ),
            StoreError::Url { .. } => {
                "write it as postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE".to_string()
            }
            StoreError::Unsupported { .. } => {
                "build chipexport with `--features postgres`, or give a data directory instead"
                    .to_string()
            }
            StoreError::Unexpected { .. } => {
                "this is a bug in chipexport; please report it with this message".to_string()
            }
        }
    }

    /// A stable code per kind, such as `chipexport::store::busy`.
    fn code(&self) -> &'static str {
        match self {
            StoreError::Busy { .. } => "chipexport::store::busy",
            StoreError::Full { .. } => "chipexport::store::full",
            StoreError::Denied { .. } => "chipexport::store::denied",
            StoreError::Dir { .. } => "chipexport::store::dir",
            StoreError::Open { .. } => "chipexport::store::open",
            StoreError::Corrupt { .. } => "chipexport::store::corrupt",
            StoreError::Io { .. } => "chipexport::store::io",
            StoreError::Unavailable { .. } => "chipexport::store::unavailable",
            StoreError::TooNew { .. } => "chipexport::store::too_new",
            StoreError::Url { .. } => "chipexport::store::url",
            StoreError::Unsupported { .. } => "chipexport::store::unsupported",
            StoreError::Unexpected { .. } => "chipexport::store::unexpected",
        }
    }
}

impl miette::Diagnostic for StoreError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(StoreError::code(self)))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(StoreError::help(self)))
    }
}

/// Classifies a SQLite error on the log at `path`.
pub(crate) fn sqlite_error(path: &Path, waited: Duration, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode as C;
    let path = path.display().to_string();
    match e.sqlite_error_code() {
        Some(C::DatabaseBusy | C::DatabaseLocked) => StoreError::Busy {
            path,
            waited: Some(waited),
            source: e.into(),
        },
        Some(C::DiskFull) => StoreError::Full {
            path,
            source: e.into(),
        },
        Some(C::ReadOnly | C::PermissionDenied) => StoreError::Denied {
            path,
            source: e.into(),
        },
        Some(C::CannotOpen) => StoreError::Open {
            path,
            source: e.into(),
        },
        Some(C::DatabaseCorrupt | C::NotADatabase) => StoreError::Corrupt {
            path,
            source: e.into(),
        },
        Some(C::SystemIoFailure) => StoreError::Io {
            path,
            source: e.into(),
        },
        // A value of the wrong type in a column the schema declares TEXT or
        // INTEGER: the file was edited outside chipexport.
        _ if matches!(
            e,
            rusqlite::Error::InvalidColumnType(..)
                | rusqlite::Error::FromSqlConversionFailure(..)
                | rusqlite::Error::IntegralValueOutOfRange(..)
        ) =>
        {
            StoreError::Corrupt {
                path,
                source: e.into(),
            }
        }
        _ => StoreError::Unexpected {
            path,
            source: e.into(),
        },
    }
}

/// Classifies a PostgreSQL error on the log at `path` (the URL without its
/// password) by its SQLSTATE, or by its cause when the server sent none.
#[cfg(feature = "postgres")]
pub(crate) fn postgres_error(path: &Path, e: postgres::Error) -> StoreError {
    let path = path.display().to_string();
    let state = e.code().map(|c| c.code().to_string()).unwrap_or_default();
    let class = state.get(..2).unwrap_or("");
    let io_cause = {
        let mut cause = std::error::Error::source(&e);
        let mut found = false;
        while let Some(c) = cause {
            found |= c.is::<std::io::Error>();
            cause = c.source();
        }
        found
    };
    // Errors without a SQLSTATE that are about reaching the server; the
    // client's kinds are private, its messages are stable.
    let unreachable = e.is_closed()
        || io_cause
        || matches!(
            e.to_string().as_str(),
            "authentication error"
                | "error connecting to server"
                | "timeout waiting for server"
                | "error performing TLS handshake"
        );
    let source: Cause = e.into();
    match (class, state.as_str()) {
        (_, "53100") => StoreError::Full { path, source },
        (_, "55P03" | "40P01" | "40001") => StoreError::Busy {
            path,
            waited: None,
            source,
        },
        (_, "42501" | "25006") => StoreError::Denied { path, source },
        (_, "XX001" | "XX002") => StoreError::Corrupt { path, source },
        ("58", _) => StoreError::Io { path, source },
        ("08" | "28" | "53" | "57", _) | (_, "3D000") => StoreError::Unavailable { path, source },
        _ if unreachable => StoreError::Unavailable { path, source },
        _ => StoreError::Unexpected { path, source },
    }
}

/// Classifies the error of taking a table lock on PostgreSQL: a lock not
/// granted within `lock_timeout` is [`StoreError::Busy`] with the time
/// waited; anything else as [`postgres_error`] does.
#[cfg(feature = "postgres")]
pub(crate) fn postgres_lock_error(path: &Path, waited: Duration, e: postgres::Error) -> StoreError {
    match postgres_error(path, e) {
        StoreError::Busy { path, source, .. } => StoreError::Busy {
            path,
            waited: Some(waited),
            source,
        },
        other => other,
    }
}
