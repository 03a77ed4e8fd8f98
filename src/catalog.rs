//! The migration path from a Magento catalog: `import_legacy_catalog`.
//!
//! The file is parsed and validated in full by `inventory_core::catalog`
//! before anything is written; then two set-based statements write every
//! product's settings and every simple product's quantity on the default
//! source.

use crate::error::{required, SqlError};
use crate::import::reject_duplicates;
use inventory_core::catalog::{carries_source_items, parse_catalog, CatalogProduct};
use inventory_core::qty::Qty;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

const UPSERT_PRODUCTS: &str = "
    INSERT INTO inventory.product AS p
           (sku, type_id, manage_stock, backorders, min_qty, min_sale_qty, max_sale_qty,
            enable_qty_increments, qty_increments, is_qty_decimal, notify_stock_qty, name)
    SELECT t.sku, t.type_id, t.manage_stock, t.backorders, t.min_qty::numeric,
           t.min_sale_qty::numeric, t.max_sale_qty::numeric, t.enable_qty_increments,
           t.qty_increments::numeric, t.is_qty_decimal, t.notify_stock_qty::numeric, t.name
      FROM unnest($1::text[], $2::text[], $3::boolean[], $4::smallint[], $5::text[], $6::text[],
                  $7::text[], $8::boolean[], $9::text[], $10::boolean[], $11::text[], $12::text[])
           AS t(sku, type_id, manage_stock, backorders, min_qty, min_sale_qty, max_sale_qty,
                enable_qty_increments, qty_increments, is_qty_decimal, notify_stock_qty, name)
    ON CONFLICT (sku) DO UPDATE
       SET type_id = EXCLUDED.type_id,
           manage_stock = EXCLUDED.manage_stock,
           backorders = EXCLUDED.backorders,
           min_qty = EXCLUDED.min_qty,
           min_sale_qty = EXCLUDED.min_sale_qty,
           max_sale_qty = EXCLUDED.max_sale_qty,
           enable_qty_increments = EXCLUDED.enable_qty_increments,
           qty_increments = EXCLUDED.qty_increments,
           is_qty_decimal = EXCLUDED.is_qty_decimal,
           notify_stock_qty = EXCLUDED.notify_stock_qty,
           name = coalesce(EXCLUDED.name, p.name)";

const UPSERT_DEFAULT_SOURCE_ITEMS: &str = "
    INSERT INTO inventory.source_item AS si (source_code, sku, quantity, status)
    SELECT 'default', t.sku, t.quantity::numeric, t.status
      FROM unnest($1::text[], $2::text[], $3::smallint[]) AS t(sku, quantity, status)
    ON CONFLICT (source_code, sku) DO UPDATE
       SET quantity = EXCLUDED.quantity, status = EXCLUDED.status";

/// Imports a Magento `catalog_product` CSV export: every product's stock
/// settings into `inventory.product` (a setting whose `use_config_*` flag is
/// set stays NULL, so the defaults apply), and every simple, virtual or
/// downloadable product's `qty` and `is_in_stock` onto the `default` source.
/// A malformed file is rejected with its line number and nothing is written.
#[pg_extern(volatile, schema = "inventory")]
#[search_path(pg_catalog, inventory, pg_temp)]
fn import_legacy_catalog(
    csv: Option<&str>,
) -> Result<TableIterator<'static, (name!(products, i32), name!(source_items, i32))>, ErrorReport> {
    let csv = required(csv, "csv")?;
    let products = parse_catalog(csv).map_err(|e| SqlError::bad_file(e.to_string()))?;
    let (written_products, written_items) = write_catalog(&products)?;
    Ok(TableIterator::once((written_products, written_items)))
}

fn write_catalog(products: &[CatalogProduct]) -> Result<(i32, i32), SqlError> {
    let text = |q: Option<Qty>| q.map(|q| q.to_string());
    let skus: Vec<String> = products.iter().map(|p| p.sku.clone()).collect();
    let type_ids: Vec<String> = products.iter().map(|p| p.type_id.clone()).collect();
    let manage_stock: Vec<Option<bool>> = products.iter().map(|p| p.manage_stock).collect();
    let backorders: Vec<Option<i16>> = products.iter().map(|p| p.backorders).collect();
    let min_qty: Vec<Option<String>> = products.iter().map(|p| text(p.min_qty)).collect();
    let min_sale: Vec<Option<String>> = products.iter().map(|p| text(p.min_sale_qty)).collect();
    let max_sale: Vec<Option<String>> = products.iter().map(|p| text(p.max_sale_qty)).collect();
    let increments_on: Vec<Option<bool>> =
        products.iter().map(|p| p.enable_qty_increments).collect();
    let increments: Vec<Option<String>> = products.iter().map(|p| text(p.qty_increments)).collect();
    let decimal: Vec<bool> = products
        .iter()
        .map(|p| p.is_qty_decimal.unwrap_or(false))
        .collect();
    let notify: Vec<Option<String>> = products.iter().map(|p| text(p.notify_stock_qty)).collect();
    let names: Vec<Option<String>> = products.iter().map(|p| p.name.clone()).collect();

    let stocked: Vec<&CatalogProduct> = products
        .iter()
        .filter(|p| carries_source_items(&p.type_id))
        .collect();
    let item_skus: Vec<String> = stocked.iter().map(|p| p.sku.clone()).collect();
    let item_qty: Vec<String> = stocked
        .iter()
        .map(|p| p.qty.unwrap_or(Qty::ZERO).to_string())
        .collect();
    let item_status: Vec<i16> = stocked
        .iter()
        .map(|p| i16::from(p.is_in_stock.unwrap_or(true)))
        .collect();

    let lines: Vec<i64> = products.iter().map(|p| p.line as i64).collect();
    let no_sources: Vec<String> = vec![String::new(); products.len()];

    Spi::connect_mut(|client| -> Result<(i32, i32), SqlError> {
        reject_duplicates(client, no_sources, skus.clone(), lines)?;
        let written = client.update(
            UPSERT_PRODUCTS,
            None,
            &[
                skus.into(),
                type_ids.into(),
                manage_stock.into(),
                backorders.into(),
                min_qty.into(),
                min_sale.into(),
                max_sale.into(),
                increments_on.into(),
                increments.into(),
                decimal.into(),
                notify.into(),
                names.into(),
            ],
        )?;
        let products_written = written.len() as i32;
        let items = client.update(
            UPSERT_DEFAULT_SOURCE_ITEMS,
            None,
            &[item_skus.into(), item_qty.into(), item_status.into()],
        )?;
        Ok((products_written, items.len() as i32))
    })
}
