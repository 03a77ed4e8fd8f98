//! Item lists (`[{"sku": ..., "qty": ...}]`) as the order and selection
//! functions receive them, parsed once per call by `inventory_core::items`.

use crate::error::{required, SqlError};
use crate::numeric::from_qty;
use inventory_core::items::parse_items as parse;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{AnyNumeric, JsonB};

/// The lines of an item list, the same SKU (in any case) summed into its
/// first line, numbered from 1 in the order they first appear. Raises 22023
/// for anything but a non-empty array of `{"sku", "qty"}` objects with valid
/// SKUs and positive quantities of at most 4 decimals, 22004 for NULL.
#[pg_extern(immutable, parallel_safe)]
pub fn parse_items(
    items: Option<JsonB>,
    what: Option<&str>,
) -> Result<
    TableIterator<'static, (name!(line, i32), name!(sku, String), name!(qty, AnyNumeric))>,
    ErrorReport,
> {
    let what = what.unwrap_or("items");
    let JsonB(value) = required(items, what)?;
    let lines = parse(&value).map_err(|e| SqlError::invalid(format!("{what}: {e}")))?;
    let rows: Vec<(i32, String, AnyNumeric)> = lines
        .into_iter()
        .enumerate()
        .map(|(i, item)| (i as i32 + 1, item.sku, from_qty(item.qty)))
        .collect();
    Ok(TableIterator::new(rows))
}
