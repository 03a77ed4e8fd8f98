//! The SQL of the extension, in the order PostgreSQL must create it.

use pgrx::prelude::*;

extension_sql_file!(
    "../sql/schema.sql",
    name = "schema",
    requires = [sku::valid_sku]
);
extension_sql_file!(
    "../sql/defaults.sql",
    name = "defaults",
    requires = ["schema"]
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
        items::parse_items,
        salable::backorder_qty
    ]
);
extension_sql_file!(
    "../sql/selection.sql",
    name = "selection",
    requires = ["orders", selection::select_sources]
);
extension_sql_file!("../sql/bulk.sql", name = "bulk", requires = ["orders"]);
extension_sql_file!("../sql/events.sql", name = "events", requires = ["figures"]);
extension_sql_file!("../sql/hardening.sql", name = "hardening", finalize);
