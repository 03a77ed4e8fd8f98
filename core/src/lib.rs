//! The inventory rules as plain Rust, apart from the database: exact quantities, SKU and
//! source-code validation, item lists, the salability rules and the Magento catalog reader.
//! The extension fetches rows, calls these functions and writes the results.

pub mod catalog;
pub mod items;
pub mod qty;
pub mod rules;
pub mod sku;
