//! Conversions between PostgreSQL `numeric` and the exact `Qty` of the rules.

use crate::error::{SqlError, SqlResult};
use inventory_core::qty::Qty;
use pgrx::AnyNumeric;

/// Reads a numeric argument as a quantity, rejecting NaN, infinities, more
/// than 4 decimals and magnitudes of 10^8 or more.
pub fn to_qty(value: &AnyNumeric, what: &str) -> SqlResult<Qty> {
    Qty::parse(&value.to_string()).map_err(|e| SqlError::invalid(format!("{what}: {e}")))
}

/// Reads a figure the database computed (a sum, a salable quantity), which
/// may exceed the range of a single quantity.
pub fn to_figure(value: &AnyNumeric, what: &str) -> SqlResult<Qty> {
    Qty::parse_figure(&value.to_string()).map_err(|e| SqlError::invalid(format!("{what}: {e}")))
}

/// A quantity as a PostgreSQL numeric, exactly.
pub fn from_qty(q: Qty) -> AnyNumeric {
    // The canonical text of a Qty is always a valid numeric literal.
    AnyNumeric::try_from(q.to_string().as_str()).expect("a Qty always formats as a numeric")
}
