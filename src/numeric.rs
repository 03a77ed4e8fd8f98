//! Conversions between PostgreSQL `numeric` and the exact `Qty` of the rules.

use crate::error::{SqlError, SqlResult};
use inventory_core::qty::Qty;
use pgrx::{pg_sys, AnyNumeric, FromDatum};
use std::ffi::CString;

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

extern "C-unwind" {
    // PostgreSQL's own numeric input function, as fmgr calls it (pgrx's
    // binding of the same name is a Rust wrapper, not a PGFunction).
    fn numeric_in(fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum;
}

/// A quantity as a PostgreSQL numeric, exactly, with the scale of its
/// canonical text ("3", "0.5").
pub fn from_qty(q: Qty) -> AnyNumeric {
    // SAFETY: numeric_datum returns a valid, non-NULL numeric datum.
    unsafe { AnyNumeric::from_datum(numeric_datum(q), false).expect("a numeric is never NULL") }
}

/// The same numeric as [`from_qty`], as a datum palloc'd in the current
/// memory context.
pub fn numeric_datum(q: Qty) -> pg_sys::Datum {
    // The canonical text of a Qty is always a valid numeric literal, and
    // numeric_in is called directly: pgrx's own conversions wrap every call
    // in a PG_TRY block, which costs more than the parse itself.
    let text = CString::new(q.to_string()).expect("a Qty formats without NUL bytes");
    // SAFETY: numeric_in takes (cstring, oid, typmod) and returns a palloc'd
    // numeric in the current memory context.
    unsafe {
        pg_sys::DirectFunctionCall3Coll(
            Some(numeric_in),
            pg_sys::InvalidOid,
            pg_sys::Datum::from(text.as_ptr()),
            pg_sys::Datum::from(pg_sys::InvalidOid),
            pg_sys::Datum::from(-1i32),
        )
    }
}
