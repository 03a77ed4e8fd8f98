//! The inventory rules as plain Rust, apart from the database: exact quantities, SKU and
//! source-code validation, item lists, the salability rules, source selection and the readers
//! of the Magento catalog, `stock_sources` import and GeoNames postal-code files.
//! The extension fetches rows, calls these functions and writes the results.

pub mod catalog;
mod csv_lines;
pub mod geonames;
pub mod items;
pub mod qty;
pub mod rules;
pub mod selection;
pub mod sku;
pub mod source_items;

/// A value as an error message quotes it: in double quotes, escaped, and cut to its first
/// 40 characters, so a megabyte field does not come back as a megabyte message.
pub fn shown(value: &str) -> String {
    match value.char_indices().nth(40) {
        Some((end, _)) => format!("{:?}...", &value[..end]),
        None => format!("{value:?}"),
    }
}
