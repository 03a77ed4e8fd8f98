//! `import_source_items`: Magento's `stock_sources` CSV into source items.
//!
//! The whole file is parsed and validated (`inventory_core::source_items`)
//! and its source codes checked against `inventory.source` before anything
//! is written; one bad line rejects the file with every bad line listed.

use crate::error::{required, SqlError, SqlResult};
use inventory_core::source_items::{parse_source_items, SourceItemRow};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use pgrx::PgSqlErrorCode;

const UNKNOWN_SOURCES: &str = "
    SELECT DISTINCT c FROM unnest($1::text[]) c
     WHERE NOT EXISTS (SELECT 1 FROM inventory.source s WHERE s.source_code = c)";

/// Pairs that the SKU collation equates although lower case does not (the
/// parser already refused the others): e.g. `A` and a full-width `Ａ`.
const COLLATION_DUPLICATES: &str = "
    SELECT x.line, x.first_line, x.source_code, x.sku
      FROM (SELECT t.*, min(t.line) OVER (
                   PARTITION BY t.source_code, t.sku COLLATE inventory.sku_ci) AS first_line
              FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(source_code, sku, line)) x
     WHERE x.line <> x.first_line
     ORDER BY x.line
     LIMIT 20";

const UPSERT: &str = "
    INSERT INTO inventory.source_item AS si (source_code, sku, status, quantity)
    SELECT * FROM unnest($1::text[], $2::text[], $3::smallint[], $4::text[]::numeric[])
     ORDER BY 2, 1
    ON CONFLICT (source_code, sku) DO UPDATE
       SET status = EXCLUDED.status, quantity = EXCLUDED.quantity
    RETURNING (xmax = 0)";

const DELETE: &str = "
    DELETE FROM inventory.source_item si
     USING unnest($1::text[], $2::text[]) AS t(source_code, sku)
     WHERE si.source_code = t.source_code AND si.sku = t.sku";

/// Imports source items from a CSV with the header `source_code,sku,status,quantity`
/// (columns by name, status optional and 1 when absent). `append` creates or
/// updates each pair; `delete` removes the listed pairs; `replace` deletes the
/// listed pairs, then creates them anew. Returns (created, updated, deleted).
#[pg_extern(volatile, schema = "inventory")]
#[search_path(pg_catalog, inventory, pg_temp)]
fn import_source_items(
    csv: Option<&str>,
    behavior: default!(Option<&str>, "'append'"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(created, i32),
            name!(updated, i32),
            name!(deleted, i32),
        ),
    >,
    ErrorReport,
> {
    let csv = required(csv, "csv")?;
    let behavior = required(behavior, "behavior")?;
    if !matches!(behavior, "append" | "delete" | "replace") {
        return Err(SqlError::invalid(format!(
            "unknown import behavior \"{behavior}\" (known: append, delete, replace)"
        ))
        .into());
    }
    let rows = parse_source_items(csv).map_err(|e| SqlError::bad_file(e.to_string()))?;

    let counts = Spi::connect_mut(|client| -> SqlResult<(i32, i32, i32)> {
        reject_unknown_sources(client, &rows)?;
        let sources: Vec<String> = rows.iter().map(|r| r.source_code.clone()).collect();
        let skus: Vec<String> = rows.iter().map(|r| r.sku.clone()).collect();
        let lines: Vec<i64> = rows.iter().map(|r| r.line as i64).collect();
        reject_duplicates(client, sources.clone(), skus.clone(), lines)?;

        let mut deleted = 0;
        if behavior != "append" {
            deleted = client
                .update(DELETE, None, &[sources.clone().into(), skus.clone().into()])?
                .len() as i32;
        }
        if behavior == "delete" {
            return Ok((0, 0, deleted));
        }

        let statuses: Vec<i16> = rows.iter().map(|r| r.status).collect();
        let quantities: Vec<String> = rows.iter().map(|r| r.quantity.to_string()).collect();
        let mut created = 0;
        let mut updated = 0;
        let written = client.update(
            UPSERT,
            None,
            &[
                sources.into(),
                skus.into(),
                statuses.into(),
                quantities.into(),
            ],
        )?;
        for row in written {
            if row.get::<bool>(1)?.unwrap_or(false) {
                created += 1;
            } else {
                updated += 1;
            }
        }
        Ok((created, updated, deleted))
    })?;
    Ok(TableIterator::once(counts))
}

/// Refuses a file naming one (source, SKU) pair twice in spellings the SKU
/// collation equates, with each repeated line.
pub fn reject_duplicates(
    client: &mut SpiClient<'_>,
    sources: Vec<String>,
    skus: Vec<String>,
    lines: Vec<i64>,
) -> SqlResult<()> {
    let mut repeated = Vec::new();
    for row in client.select(
        COLLATION_DUPLICATES,
        None,
        &[sources.into(), skus.into(), lines.into()],
    )? {
        let line: i64 = row.get(1)?.unwrap_or_default();
        let first: i64 = row.get(2)?.unwrap_or_default();
        let sku: String = row.get(4)?.unwrap_or_default();
        repeated.push(format!(
            "line {line}: SKU \"{sku}\" is the same SKU as on line {first}"
        ));
    }
    if repeated.is_empty() {
        return Ok(());
    }
    Err(SqlError::bad_file(repeated.join("\n")))
}

/// Lists every line whose source does not exist, as one error.
fn reject_unknown_sources(client: &mut SpiClient<'_>, rows: &[SourceItemRow]) -> SqlResult<()> {
    let codes: Vec<String> = rows.iter().map(|r| r.source_code.clone()).collect();
    let mut unknown = Vec::new();
    for row in client.select(UNKNOWN_SOURCES, None, &[codes.into()])? {
        unknown.push(row.get::<String>(1)?.unwrap_or_default());
    }
    if unknown.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = rows
        .iter()
        .filter(|r| unknown.contains(&r.source_code))
        .take(20)
        .map(|r| format!("line {}: unknown source \"{}\"", r.line, r.source_code))
        .collect();
    Err(SqlError::new(
        PgSqlErrorCode::ERRCODE_BAD_COPY_FILE_FORMAT,
        format!("the file refers to unknown sources: {}", unknown.join(", ")),
    )
    .with_detail(lines.join("\n")))
}
