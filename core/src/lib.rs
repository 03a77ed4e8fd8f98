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
