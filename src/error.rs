//! Errors raised by the Rust functions, each with a standard SQLSTATE.
//!
//! pgrx keeps the SQLSTATE of an `ErrorReport` returned from a `#[pg_extern]`,
//! but it can only carry the standard codes. The extension's own codes (such
//! as "not enough salable quantity") are raised from SQL instead.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::PgSqlErrorCode;

/// An error for the caller, as the SQL surface reports it.
#[derive(Debug)]
pub struct SqlError {
    pub code: PgSqlErrorCode,
    pub message: String,
    pub detail: Option<String>,
}

impl SqlError {
    /// 22023: an argument has a bad value.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE, message)
    }

    /// 22004: a required argument is NULL.
    pub fn null(what: &str) -> Self {
        Self::new(
            PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
            format!("{what} must not be NULL"),
        )
    }

    /// 22P04: an imported file is malformed.
    pub fn bad_file(message: impl Into<String>) -> Self {
        Self::new(PgSqlErrorCode::ERRCODE_BAD_COPY_FILE_FORMAT, message)
    }

    pub fn new(code: PgSqlErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

impl From<SqlError> for ErrorReport {
    fn from(e: SqlError) -> Self {
        let report = ErrorReport::new(e.code, e.message, "inventory");
        match e.detail {
            Some(detail) => report.set_detail(detail),
            None => report,
        }
    }
}

impl From<pgrx::spi::SpiError> for SqlError {
    fn from(e: pgrx::spi::SpiError) -> Self {
        Self::new(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("SPI: {e}"))
    }
}

pub type SqlResult<T> = Result<T, SqlError>;

/// Unwraps an optional argument, or reports it as NULL.
pub fn required<T>(value: Option<T>, what: &str) -> SqlResult<T> {
    value.ok_or_else(|| SqlError::null(what))
}
