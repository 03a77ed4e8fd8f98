//! Validation of SKUs, source codes and ids, shared by the tables' CHECK
//! constraints and the functions' argument checks, so that one rule
//! (`inventory_core::sku`, which knows Unicode whitespace) decides both.

use crate::error::{required, SqlError};
use inventory_core::sku::{is_valid_id, validate_sku, validate_source_code};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// Whether a text is a valid SKU: 1 to 64 characters, no leading or trailing
/// whitespace.
#[pg_extern(immutable, parallel_safe, strict, schema = "inventory")]
pub fn valid_sku(sku: &str) -> bool {
    validate_sku(sku).is_ok()
}

/// Whether a text is a valid code (of a source or a sales channel): 1 to 255
/// characters, no whitespace anywhere.
#[pg_extern(immutable, parallel_safe, strict, schema = "inventory")]
pub fn valid_code(code: &str) -> bool {
    validate_source_code(code).is_ok()
}

/// Whether a text is a valid id of the caller's (order, shipment, credit
/// memo): 1 to 255 characters, no leading or trailing whitespace.
#[pg_extern(immutable, parallel_safe, strict, schema = "inventory")]
pub fn valid_id(id: &str) -> bool {
    is_valid_id(id)
}

/// Raises 22023 unless the text is a valid SKU, 22004 when it is NULL.
#[pg_extern(immutable, parallel_safe, schema = "inventory")]
pub fn require_sku(sku: Option<&str>) -> Result<(), ErrorReport> {
    let sku = required(sku, "sku")?;
    validate_sku(sku).map_err(|e| SqlError::invalid(e.to_string()))?;
    Ok(())
}
