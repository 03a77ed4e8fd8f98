//! Item lists (`[{"sku": ..., "qty": ...}]`) as the order and selection
//! functions receive them, parsed once per call by `inventory_core::items`.
//!
//! The lists arrive as the text of a `jsonb` (`sql/items.sql` wraps this
//! function): reading them here rather than through pgrx's `JsonB` keeps a
//! malformed or too deeply nested list a 22023 error of ours.

use crate::error::{required, SqlError};
use crate::numeric::from_qty;
use inventory_core::items::parse_items_str;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::AnyNumeric;

/// The lines of an item list, the same SKU (in any case) summed into its
/// first line, numbered from 1 in the order they first appear. Raises 22023
/// for anything but a non-empty array of `{"sku", "qty"}` objects with valid
/// SKUs and positive quantities of at most 4 decimals, 22004 for NULL.
#[pg_extern(immutable, parallel_safe, schema = "inventory")]
pub fn parse_item_list(
    items: Option<&str>,
    what: Option<&str>,
) -> Result<
    TableIterator<'static, (name!(line, i32), name!(sku, String), name!(qty, AnyNumeric))>,
    ErrorReport,
> {
    let what = what.unwrap_or("items");
    let items = required(items, what)?;
    let lines = parse_items_str(items).map_err(|e| SqlError::invalid(format!("{what}: {e}")))?;
    let rows: Vec<(i32, String, AnyNumeric)> = lines
        .into_iter()
        .enumerate()
        .map(|(i, item)| (i as i32 + 1, item.sku, from_qty(item.qty)))
        .collect();
    Ok(TableIterator::new(rows))
}
