//! SKU validation, shared by the tables' CHECK constraints and the functions'
//! argument checks, so that one rule (`inventory_core::sku`) decides both.

use crate::error::{required, SqlError};
use inventory_core::sku::validate_sku;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// Whether a text is a valid SKU: 1 to 64 characters, no leading or trailing
/// whitespace.
#[pg_extern(immutable, parallel_safe, strict)]
pub fn valid_sku(sku: &str) -> bool {
    validate_sku(sku).is_ok()
}

/// Raises 22023 unless the text is a valid SKU, 22004 when it is NULL.
#[pg_extern(immutable, parallel_safe)]
pub fn require_sku(sku: Option<&str>) -> Result<(), ErrorReport> {
    let sku = required(sku, "sku")?;
    validate_sku(sku).map_err(|e| SqlError::invalid(e.to_string()))?;
    Ok(())
}
