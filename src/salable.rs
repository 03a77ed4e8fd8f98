//! The salability rules as SQL functions. The figures they read are kept by
//! `sql/figures.sql`; the rules themselves are `inventory_core::rules`.

use crate::error::required;
use crate::numeric::{from_qty, to_figure, to_qty};
use inventory_core::rules::{self, QtySettings, StockFigures};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{AnyNumeric, JsonB};

/// The out-of-stock threshold adapted to backorders (min(min_qty, 0) with
/// backorders, max(min_qty, 0) without), plus the notify quantity when the
/// defaults say it reduces salable quantity and backorders are off.
#[pg_extern(immutable, parallel_safe, strict, schema = "inventory")]
pub fn stock_threshold(
    min_qty: AnyNumeric,
    backorders: i16,
    notify_stock_qty: AnyNumeric,
    notify_qty_reduces_salable: bool,
) -> Result<AnyNumeric, ErrorReport> {
    let min_qty = to_qty(&min_qty, "min_qty")?;
    let notify = to_qty(&notify_stock_qty, "notify_stock_qty")?;
    Ok(from_qty(rules::stock_threshold(
        min_qty,
        backorders,
        notify,
        notify_qty_reduces_salable,
    )))
}

/// Raises 22023 unless `qty` is a quantity the extension accepts (finite, at
/// most 4 decimals, below 10^8 in absolute value), 22004 when it is NULL.
#[pg_extern(immutable, parallel_safe, schema = "inventory")]
pub fn require_qty(qty: Option<AnyNumeric>, what: Option<&str>) -> Result<(), ErrorReport> {
    let what = what.unwrap_or("quantity");
    let qty = required(qty, what)?;
    to_qty(&qty, what)?;
    Ok(())
}

/// Every failing rule of a salability check for a requested quantity, in the
/// documented order, as a JSON array of `{"code", "message"}` objects.
#[allow(clippy::too_many_arguments)]
#[pg_extern(immutable, parallel_safe, strict, schema = "inventory")]
pub fn requested_qty_errors(
    qty: AnyNumeric,
    min_sale_qty: AnyNumeric,
    max_sale_qty: AnyNumeric,
    enable_qty_increments: bool,
    qty_increments: AnyNumeric,
    is_qty_decimal: bool,
    manage_stock: bool,
    backorders: i16,
    threshold: AnyNumeric,
    items_assigned: i32,
    items_in_stock: i32,
    salable_qty: AnyNumeric,
) -> Result<JsonB, ErrorReport> {
    let settings = QtySettings {
        min_sale_qty: to_qty(&min_sale_qty, "min_sale_qty")?,
        max_sale_qty: to_qty(&max_sale_qty, "max_sale_qty")?,
        enable_qty_increments,
        qty_increments: to_qty(&qty_increments, "qty_increments")?,
        is_qty_decimal,
    };
    let figures = StockFigures {
        manage_stock,
        backorders,
        threshold: to_figure(&threshold, "threshold")?,
        items_assigned: items_assigned.max(0) as u32,
        items_in_stock: items_in_stock.max(0) as u32,
        salable_qty: to_figure(&salable_qty, "salable_qty")?,
    };
    let qty = to_qty(&qty, "qty")?;
    let errors: Vec<serde_json::Value> = rules::requested_qty_errors(qty, &settings, &figures)
        .into_iter()
        .map(|e| serde_json::json!({ "code": e.code, "message": e.message }))
        .collect();
    Ok(JsonB(serde_json::Value::Array(errors)))
}

/// The part of a requested quantity beyond the units still physically free,
/// max(quantity + reserved, 0): what backorders cover.
#[pg_extern(immutable, parallel_safe, strict, schema = "inventory")]
pub fn backorder_qty(
    qty: AnyNumeric,
    quantity: AnyNumeric,
    reserved: AnyNumeric,
) -> Result<AnyNumeric, ErrorReport> {
    let qty = to_qty(&qty, "qty")?;
    let quantity = to_figure(&quantity, "quantity")?;
    let reserved = to_figure(&reserved, "reserved")?;
    Ok(from_qty(rules::backorder_qty(qty, quantity, reserved)))
}
