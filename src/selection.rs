//! Source selection: which sources should ship how much of each SKU.
//!
//! The candidates and their in-stock items are read with two queries; the
//! ordering (by priority, or by distance computed once per request) and the
//! greedy fill are `inventory_core::selection`. Nothing is written.

use crate::error::{required, SqlError, SqlResult};
use crate::numeric::{from_qty, to_figure};
use inventory_core::items::parse_items_str;
use inventory_core::selection::{
    algorithms, order_sources, parse_algorithm_code, select, Algorithm, Candidate, Holding, Request,
};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use pgrx::{AnyNumeric, PgSqlErrorCode};
use serde_json::Value;

const CANDIDATES: &str = "
    SELECT l.source_code, l.priority, s.latitude::float8, s.longitude::float8
      FROM inventory.stock_source_link l
      JOIN inventory.source s ON s.source_code = l.source_code
     WHERE l.stock_id = $1 AND s.enabled";

const HOLDINGS: &str = "
    SELECT si.source_code, si.sku, si.quantity::text
      FROM inventory.source_item si
      JOIN inventory.stock_source_link l ON l.source_code = si.source_code AND l.stock_id = $1
      JOIN inventory.source s ON s.source_code = si.source_code AND s.enabled
     WHERE si.status = 1 AND si.sku IN (SELECT unnest($2::text[]))";

/// The body of `inventory.select_sources` (sql/selection.sql), which hands
/// over its `jsonb` arguments as text.
///
/// Recommends, for each SKU of `items`, how much to take from which source of
/// the stock: one row per (SKU, source holding it in stock) in selection
/// order, and one row with a NULL source for any uncovered remainder, so the
/// request is shippable exactly when no such row comes back. Reservations and
/// thresholds are ignored: they were applied when the order was accepted.
// pgrx needs the row type spelled out in the signature to name the columns.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, schema = "inventory")]
#[search_path(pg_catalog, inventory, pg_temp)]
fn select_sources_text(
    stock_id: Option<i32>,
    items: Option<&str>,
    algorithm: Option<&str>,
    destination: Option<&str>,
) -> Result<
    TableIterator<
        'static,
        (
            name!(sku, String),
            name!(source_code, Option<String>),
            name!(qty_to_deduct, AnyNumeric),
            name!(qty_available, AnyNumeric),
        ),
    >,
    ErrorReport,
> {
    let stock_id = required(stock_id, "stock_id")?;
    let items = required(items, "items")?;
    let algorithm = required(algorithm, "algorithm")?;
    let code = parse_algorithm_code(algorithm).map_err(SqlError::invalid)?;
    let destination: Option<Value> = destination
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| SqlError::invalid(format!("destination: {e}")))?;
    let requests: Vec<Request> = parse_items_str(items)
        .map_err(|e| SqlError::invalid(format!("items: {e}")))?
        .into_iter()
        .map(|item| Request {
            sku: item.sku,
            qty: item.qty,
        })
        .collect();

    let picks = Spi::connect(|client| -> SqlResult<_> {
        require_stock(client, stock_id)?;
        let algorithm = match code {
            "distance" => {
                let (latitude, longitude) = locate(client, destination.as_ref())?;
                Algorithm::Distance {
                    latitude,
                    longitude,
                }
            }
            _ => Algorithm::Priority,
        };
        let candidates = read_candidates(client, stock_id)?;
        let skus: Vec<String> = requests.iter().map(|r| r.sku.clone()).collect();
        let holdings = read_holdings(client, stock_id, skus)?;
        let order = order_sources(&candidates, &algorithm);
        Ok(select(&order, &candidates, &holdings, &requests))
    })?;

    let rows: Vec<_> = picks
        .into_iter()
        .map(|p| {
            (
                p.sku,
                p.source_code,
                from_qty(p.qty_to_deduct),
                from_qty(p.qty_available),
            )
        })
        .collect();
    Ok(TableIterator::new(rows))
}

/// The source selection algorithms `select_sources` knows.
#[pg_extern(immutable, parallel_safe, schema = "inventory")]
fn source_selection_algorithms() -> TableIterator<
    'static,
    (
        name!(code, String),
        name!(title, String),
        name!(description, String),
    ),
> {
    TableIterator::new(
        algorithms()
            .iter()
            .map(|(c, t, d)| (c.to_string(), t.to_string(), d.to_string())),
    )
}

fn require_stock(client: &SpiClient<'_>, stock_id: i32) -> SqlResult<()> {
    let found = client
        .select(
            "SELECT 1 FROM inventory.stock WHERE stock_id = $1",
            Some(1),
            &[stock_id.into()],
        )?
        .len();
    if found == 0 {
        return Err(SqlError::new(
            PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT,
            format!("stock {stock_id} does not exist"),
        ));
    }
    Ok(())
}

fn read_candidates(client: &SpiClient<'_>, stock_id: i32) -> SqlResult<Vec<Candidate>> {
    let mut candidates = Vec::new();
    for row in client.select(CANDIDATES, None, &[stock_id.into()])? {
        candidates.push(Candidate {
            source_code: row.get::<String>(1)?.unwrap_or_default(),
            priority: row.get::<i32>(2)?.unwrap_or(i32::MAX),
            latitude: row.get::<f64>(3)?,
            longitude: row.get::<f64>(4)?,
        });
    }
    Ok(candidates)
}

fn read_holdings(
    client: &SpiClient<'_>,
    stock_id: i32,
    skus: Vec<String>,
) -> SqlResult<Vec<Holding>> {
    let mut holdings = Vec::new();
    for row in client.select(HOLDINGS, None, &[stock_id.into(), skus.into()])? {
        let quantity: String = row.get(3)?.unwrap_or_default();
        holdings.push(Holding {
            source_code: row.get::<String>(1)?.unwrap_or_default(),
            sku: row.get::<String>(2)?.unwrap_or_default(),
            available: to_figure(
                &AnyNumeric::try_from(quantity.as_str()).map_err(|e| {
                    SqlError::invalid(format!("source item quantity {quantity}: {e}"))
                })?,
                "quantity",
            )?,
        });
    }
    Ok(holdings)
}

/// Places a destination: `{"latitude", "longitude"}`, or an address looked up
/// in `inventory.geoname` by country and postcode, else country and city,
/// else country and region.
fn locate(client: &SpiClient<'_>, destination: Option<&Value>) -> SqlResult<(f64, f64)> {
    let destination = destination.filter(|d| !d.is_null()).ok_or_else(|| {
        SqlError::invalid("the distance algorithm needs a destination").with_detail(
            r#"Give {"latitude": ..., "longitude": ...} or {"country": "US", "postcode": ...}."#,
        )
    })?;
    let object = destination.as_object().ok_or_else(|| {
        SqlError::invalid(format!("destination {destination} must be a JSON object"))
    })?;

    let number = |key: &str| {
        object.get(key).and_then(|v| match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        })
    };
    if let (Some(latitude), Some(longitude)) = (number("latitude"), number("longitude")) {
        if !(-90.0..=90.0).contains(&latitude) || !(-180.0..=180.0).contains(&longitude) {
            return Err(SqlError::invalid(format!(
                "destination coordinates {latitude}, {longitude} are out of range"
            )));
        }
        return Ok((latitude, longitude));
    }

    let text = |key: &str| {
        object
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let country = text("country")
        .or_else(|| text("country_code"))
        .ok_or_else(|| {
            SqlError::invalid(format!(
                "destination {destination} has neither coordinates nor a country"
            ))
        })?;
    let (postcode, city, region) = (text("postcode"), text("city"), text("region"));
    let by_postcode = "SELECT latitude::float8, longitude::float8 FROM inventory.geoname
                        WHERE country_code = upper($1) AND postcode = $2";
    let by_city_in_region = "SELECT avg(latitude)::float8, avg(longitude)::float8
                               FROM inventory.geoname
                              WHERE country_code = upper($1) AND lower(city) = lower($2)
                                AND (lower(region) = lower($3) OR lower(region_code) = lower($3))
                             HAVING count(*) > 0";
    let by_city = "SELECT avg(latitude)::float8, avg(longitude)::float8 FROM inventory.geoname
                    WHERE country_code = upper($1) AND lower(city) = lower($2)
                   HAVING count(*) > 0";
    let by_region = "SELECT avg(latitude)::float8, avg(longitude)::float8 FROM inventory.geoname
                      WHERE country_code = upper($1)
                        AND (lower(region) = lower($2) OR lower(region_code) = lower($2))
                     HAVING count(*) > 0";
    // A city is placed within its region when both are given: the US alone has
    // 85 places called Portland.
    let lookups = [
        (by_postcode, postcode, None),
        (by_city_in_region, city, region),
        (by_city, city, None),
        (by_region, region, None),
    ];
    for (query, value, within) in lookups {
        let Some(value) = value else { continue };
        if query == by_city_in_region && within.is_none() {
            continue;
        }
        let mut args = vec![country.into(), value.into()];
        if let Some(region) = within {
            args.push(region.into());
        }
        let table = client.select(query, Some(1), &args)?;
        if let Some(row) = table.into_iter().next() {
            if let (Some(lat), Some(lon)) = (row.get::<f64>(1)?, row.get::<f64>(2)?) {
                return Ok((lat, lon));
            }
        }
    }
    Err(SqlError::invalid(format!("destination {destination} cannot be placed"))
        .with_detail("Neither its postcode, its city nor its region is in inventory.geoname for that country; load postal codes with inventory.import_geonames."))
}
