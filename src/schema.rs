//! The SQL of the extension, in the order PostgreSQL must create it.
//!
//! The schema is created by the install script itself (the `inventory`
//! module below), not by the control file, so it is a member of the
//! extension and `DROP EXTENSION` removes it.

use pgrx::prelude::*;

/// The schema every object of the extension lives in; the Rust functions name
/// it with `schema = "inventory"`.
#[pg_schema]
mod inventory {}
extension_sql_file!(
    "../sql/schema.sql",
    name = "schema",
    requires = [sku::valid_sku, sku::valid_code, sku::valid_id]
);
extension_sql_file!("../sql/common.sql", name = "common", requires = ["schema"]);
extension_sql_file!(
    "../sql/item_lists.sql",
    name = "item_lists",
    requires = ["common", items::parse_item_list]
);
extension_sql_file!(
    "../sql/defaults.sql",
    name = "defaults",
    requires = ["common"]
);
extension_sql_file!(
    "../sql/figures.sql",
    name = "figures",
    requires = ["schema", salable::stock_threshold]
);
extension_sql_file!(
    "../sql/salable.sql",
    name = "salable",
    requires = [
        "figures",
        "common",
        salable::requested_qty_errors,
        sku::require_sku,
        salable::require_qty
    ]
);
extension_sql_file!(
    "../sql/reservations.sql",
    name = "reservations",
    requires = ["figures"]
);
extension_sql_file!(
    "../sql/orders.sql",
    name = "orders",
    requires = [
        "salable",
        "reservations",
        "item_lists",
        items::parse_item_arrays,
        salable::backorder_qty
    ]
);
extension_sql_file!(
    "../sql/selection.sql",
    name = "selection",
    requires = ["orders", "select_sources_text"]
);
extension_sql_file!("../sql/bulk.sql", name = "bulk", requires = ["orders"]);
extension_sql_file!("../sql/events.sql", name = "events", requires = ["figures"]);
extension_sql_file!(
    "../sql/inventory--0.1.0--0.2.0.sql",
    name = "hardening",
    finalize
);
