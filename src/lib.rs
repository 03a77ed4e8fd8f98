//! `inventory`: a multi-source inventory engine inside PostgreSQL.
//!
//! The schema, the kept figures and the transactional glue are SQL in `sql/`,
//! included here in dependency order; the rules (quantities, salability
//! checks, parsing of imports) are plain Rust in the `inventory-core` crate,
//! exposed to SQL by the modules below.

// A `#[pg_extern]` keeps the SQLSTATE of an error only when it returns pgrx's
// `ErrorReport` itself, which is larger than clippy likes in an `Err`.
#![allow(clippy::result_large_err)]

::pgrx::pg_module_magic!();

mod catalog;
mod error;
mod geonames;
mod import;
mod items;
mod numeric;
mod salable;
mod schema;
mod selection;
mod sku;
