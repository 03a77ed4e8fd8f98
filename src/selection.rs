//! Source selection: which sources should ship how much of each SKU.
//!
//! The candidates and their in-stock items are read with two queries; the
//! ordering (by priority, or by distance computed once per request) and the
//! greedy fill are `inventory_core::selection`. Nothing is written.

use crate::error::{required, SqlError, SqlResult};
use crate::items::lines as item_lines;
use crate::numeric::from_qty;
use inventory_core::qty::Qty;
use inventory_core::selection::{
    algorithms, order_sources, parse_algorithm_code, select, Algorithm, Candidate, Holding, Request,
};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::pg_sys::PgBuiltInOids;
use pgrx::prelude::*;
use pgrx::spi::{OwnedPreparedStatement, SpiClient};
use pgrx::{AnyNumeric, PgOid, PgSqlErrorCode};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

// The stock itself, then its enabled sources (one row of NULLs when it has
// none): no row at all means the stock does not exist.
const CANDIDATES: &str = "
    SELECT l.source_code, l.priority, s.latitude::float8, s.longitude::float8
      FROM inventory.stock st
      LEFT JOIN (inventory.stock_source_link l
                 JOIN inventory.source s ON s.source_code = l.source_code AND s.enabled)
             ON l.stock_id = st.stock_id
     WHERE st.stock_id = $1";

// Every in-stock item of the requested SKUs, whichever stock its source
// serves: the candidates read first say which sources count, so this query
// joins no other table. Each item comes with the number of the request it
// answers, matched in the SKU collation (the request's spelling may differ
// from the item's in case or width). Quantities come as integer
// ten-thousandths (a source item has at most 4 decimals), read straight
// into a Qty.
const HOLDINGS: &str = "
    SELECT r.n, si.source_code, (si.quantity * 10000)::int8
      FROM unnest($1::text[]) WITH ORDINALITY AS r(sku, n)
      JOIN inventory.source_item si ON si.sku = r.sku AND si.status = 1";

/// Runs `f` with the search_path `pg_catalog, inventory, pg_temp`, restoring
/// the caller's afterwards, as a function's SET clause would. An error
/// raised inside unwinds through the transaction's abort, which restores it
/// too.
fn with_pinned_search_path<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: the GUC nesting calls pair up as fmgr's own handling of a SET
    // clause does; the strings are NUL-terminated constants.
    unsafe {
        let level = pg_sys::NewGUCNestLevel();
        pg_sys::set_config_option(
            c"search_path".as_ptr(),
            c"pg_catalog, inventory, pg_temp".as_ptr(),
            pg_sys::GucContext::PGC_USERSET,
            pg_sys::GucSource::PGC_S_SESSION,
            pg_sys::GucAction::GUC_ACTION_SAVE,
            true,
            0,
            false,
        );
        let result = f();
        pg_sys::AtEOXact_GUC(true, level);
        result
    }
}

/// The plans of this module's queries, made on a backend's first call and
/// kept for its life; PostgreSQL's plan cache revalidates them when a table
/// they read changes. They are leaked on purpose: freeing SPI plans while
/// the process exits is not safe.
fn kept_plan(
    client: &SpiClient<'_>,
    query: &'static str,
    args: &[PgBuiltInOids],
) -> SqlResult<&'static OwnedPreparedStatement> {
    thread_local! {
        static KEPT: RefCell<HashMap<&'static str, &'static OwnedPreparedStatement>> =
            RefCell::new(HashMap::new());
    }
    if let Some(plan) = KEPT.with(|kept| kept.borrow().get(query).copied()) {
        return Ok(plan);
    }
    let types: Vec<PgOid> = args.iter().map(|&t| PgOid::BuiltIn(t)).collect();
    let plan: &'static OwnedPreparedStatement =
        Box::leak(Box::new(client.prepare(query, &types)?.keep()));
    KEPT.with(|kept| kept.borrow_mut().insert(query, plan));
    Ok(plan)
}

/// The body of `inventory.select_sources` (sql/selection.sql), which hands
/// over its `jsonb` arguments as text.
///
/// Recommends, for each SKU of `items`, how much to take from which source of
/// the stock: one row per (SKU, source holding it in stock) in selection
/// order, and one row with a NULL source for any uncovered remainder, so the
/// request is shippable exactly when no such row comes back. Reservations and
/// thresholds are ignored: they were applied when the order was accepted.
///
/// The search_path is pinned by the body while it runs its queries, not by a
/// SET clause: PostgreSQL applies a function's SET clause on every call, and
/// a set-returning function is called once per row it returns.
// pgrx needs the row type spelled out in the signature to name the columns.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, schema = "inventory")]
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
    // Lines naming SKUs equal in the SKU collation are one request, as in
    // place_order.
    let requests: Vec<Request> = item_lines(Some(items), Some("items"))?
        .into_iter()
        .map(|line| Request {
            sku: line.sku,
            qty: line.qty,
        })
        .collect();

    let picks = with_pinned_search_path(|| {
        Spi::connect(|client| -> SqlResult<_> {
            let candidates = read_candidates(client, stock_id)?;
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
            let holdings = read_holdings(client, &candidates, &requests)?;
            let order = order_sources(&candidates, &algorithm);
            Ok(select(&order, &candidates, &holdings, &requests))
        })
    })?;

    // Quantities repeat (0, the same holding on several rows): each distinct
    // one becomes a numeric once per call.
    let mut numerics: HashMap<i64, AnyNumeric> = HashMap::new();
    let mut numeric = |q: Qty| {
        numerics
            .entry(q.units())
            .or_insert_with(|| from_qty(q))
            .clone()
    };
    let rows: Vec<_> = picks
        .into_iter()
        .map(|p| {
            (
                p.sku,
                p.source_code,
                numeric(p.qty_to_deduct),
                numeric(p.qty_available),
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

/// The enabled sources of the stock; 42704 when the stock does not exist.
fn read_candidates(client: &SpiClient<'_>, stock_id: i32) -> SqlResult<Vec<Candidate>> {
    let plan = kept_plan(client, CANDIDATES, &[PgBuiltInOids::INT4OID])?;
    let table = client.select(plan, None, &[stock_id.into()])?;
    if table.is_empty() {
        return Err(SqlError::new(
            PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT,
            format!("stock {stock_id} does not exist"),
        ));
    }
    let mut candidates = Vec::with_capacity(table.len());
    for row in table {
        let Some(source_code) = row.get::<String>(1)? else {
            continue;
        };
        candidates.push(Candidate {
            source_code,
            priority: row.get::<i32>(2)?.unwrap_or(i32::MAX),
            latitude: row.get::<f64>(3)?,
            longitude: row.get::<f64>(4)?,
        });
    }
    Ok(candidates)
}

/// The in-stock items of the requested SKUs at the candidate sources, each
/// under the spelling of the request it answers.
fn read_holdings(
    client: &SpiClient<'_>,
    candidates: &[Candidate],
    requests: &[Request],
) -> SqlResult<Vec<Holding>> {
    let plan = kept_plan(client, HOLDINGS, &[PgBuiltInOids::TEXTARRAYOID])?;
    let skus: Vec<String> = requests.iter().map(|r| r.sku.clone()).collect();
    let table = client.select(plan, None, &[skus.into()])?;
    let sources: HashSet<&str> = candidates.iter().map(|c| c.source_code.as_str()).collect();
    let mut holdings = Vec::with_capacity(table.len());
    for row in table {
        let source_code = row.get::<String>(2)?.unwrap_or_default();
        if !sources.contains(source_code.as_str()) {
            continue;
        }
        let request = row
            .get::<i64>(1)?
            .and_then(|n| usize::try_from(n).ok())
            .and_then(|n| requests.get(n.wrapping_sub(1)))
            .ok_or_else(|| {
                SqlError::new(
                    PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
                    "select_sources: an item answers no request",
                )
            })?;
        holdings.push(Holding {
            source_code,
            sku: request.sku.clone(),
            available: Qty::from_units(row.get::<i64>(3)?.unwrap_or_default()),
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
        let mut types = vec![PgBuiltInOids::TEXTOID, PgBuiltInOids::TEXTOID];
        if let Some(region) = within {
            args.push(region.into());
            types.push(PgBuiltInOids::TEXTOID);
        }
        let plan = kept_plan(client, query, &types)?;
        let table = client.select(plan, Some(1), &args)?;
        if let Some(row) = table.into_iter().next() {
            if let (Some(lat), Some(lon)) = (row.get::<f64>(1)?, row.get::<f64>(2)?) {
                return Ok((lat, lon));
            }
        }
    }
    Err(SqlError::invalid(format!("destination {destination} cannot be placed"))
        .with_detail("Neither its postcode, its city nor its region is in inventory.geoname for that country; load postal codes with inventory.import_geonames."))
}
