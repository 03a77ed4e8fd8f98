//! Item lists (`[{"sku": ..., "qty": ...}]`) as the order and selection
//! functions receive them, parsed once per call by `inventory_core::items`.
//!
//! The lists arrive as the text of a `jsonb`: reading them here rather than
//! through pgrx's `JsonB` keeps a malformed or too deeply nested list a 22023
//! error of ours.

use std::cmp::Ordering;
use std::ffi::{c_char, c_int};

use crate::error::{required, SqlError, SqlResult};
use crate::numeric::from_qty;
use inventory_core::items::{merge_lines, parse_items_str, Line};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::AnyNumeric;

/// The lines of an item list, the same SKU summed into its first line. The
/// core parser sums SKUs equal in lower case; the SKU collation of the
/// tables (`inventory.sku_ci`) also equates some spellings lower case does
/// not (full-width letters, say), and it has the last word.
pub(crate) fn lines(items: Option<&str>, what: Option<&str>) -> SqlResult<Vec<Line>> {
    let what = what.unwrap_or("items");
    let items = required(items, what)?;
    let parsed = parse_items_str(items).map_err(|e| SqlError::invalid(format!("{what}: {e}")))?;
    let collation = if parsed.len() > 1 {
        sku_collation()
    } else {
        pg_sys::InvalidOid
    };
    merge_lines(parsed, |a, b| collation_order(collation, a, b))
        .map_err(|e| SqlError::invalid(format!("{what}: {e}")))
}

/// The oid of the collation every SKU column uses.
fn sku_collation() -> pg_sys::Oid {
    // SAFETY: both take a NUL-terminated string and return palloc'd or
    // syscache data; a missing collation raises a PostgreSQL error, which
    // pgrx's guarded bindings turn into an ordinary error for the caller.
    unsafe {
        let name = pg_sys::stringToQualifiedNameList(c"inventory.sku_ci".as_ptr());
        pg_sys::get_collation_oid(name, false)
    }
}

/// Compares two SKUs as the SKU collation does.
fn collation_order(collation: pg_sys::Oid, a: &str, b: &str) -> Ordering {
    // SAFETY: varstr_cmp reads exactly `len` bytes of each argument; SKUs are
    // short (at most 64 characters), so the lengths fit a C int.
    let result = unsafe {
        pg_sys::varstr_cmp(
            a.as_ptr() as *const c_char,
            a.len() as c_int,
            b.as_ptr() as *const c_char,
            b.len() as c_int,
            collation,
        )
    };
    result.cmp(&0)
}

/// The lines of an item list, in line order: the same SKU (equal in the SKU
/// collation) summed into its first line, which keeps its number and
/// spelling, so a merged line leaves a gap in the numbers. Raises 22023 for
/// anything but a non-empty array of `{"sku", "qty"}` objects with valid
/// SKUs and positive quantities of at most 4 decimals, 22004 for NULL.
#[pg_extern(immutable, parallel_safe, schema = "inventory")]
pub fn parse_item_list(
    items: Option<&str>,
    what: Option<&str>,
) -> Result<
    TableIterator<'static, (name!(line, i32), name!(sku, String), name!(qty, AnyNumeric))>,
    ErrorReport,
> {
    let rows: Vec<(i32, String, AnyNumeric)> = lines(items, what)?
        .into_iter()
        .map(|l| (l.line as i32, l.sku, from_qty(l.qty)))
        .collect();
    Ok(TableIterator::new(rows))
}

/// The same lines as `parse_item_list`, as three arrays in line order: one
/// row that a PL/pgSQL function reads into its variables without
/// aggregating.
#[pg_extern(immutable, parallel_safe, schema = "inventory")]
#[allow(clippy::type_complexity)]
pub fn parse_item_arrays(
    items: Option<&str>,
    what: Option<&str>,
) -> Result<
    TableIterator<
        'static,
        (
            name!(lines, Vec<i32>),
            name!(skus, Vec<String>),
            name!(qtys, Vec<AnyNumeric>),
        ),
    >,
    ErrorReport,
> {
    let parsed = lines(items, what)?;
    let mut numbers = Vec::with_capacity(parsed.len());
    let mut skus = Vec::with_capacity(parsed.len());
    let mut qtys = Vec::with_capacity(parsed.len());
    for l in parsed {
        numbers.push(l.line as i32);
        skus.push(l.sku);
        qtys.push(from_qty(l.qty));
    }
    Ok(TableIterator::once((numbers, skus, qtys)))
}
