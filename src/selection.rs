//! Source selection: which sources should ship how much of each SKU.
//!
//! The candidates and their in-stock items are read with two queries (the
//! items from `inventory.sku_holding`, one row per SKU); the ordering (by
//! priority, or by distance computed once per request) and the greedy fill
//! are `inventory_core::selection`; the rows go back to the executor in one
//! tuplestore. Nothing is written.

use crate::error::{required, SqlError, SqlResult};
use crate::items::lines as item_lines;
use crate::numeric::numeric_datum;
use inventory_core::qty::Qty;
use inventory_core::selection::{
    algorithms, order_sources, parse_algorithm_code, select_at, Algorithm, Candidate, HeldAt,
    PickAt, Request, DISTANCE,
};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::pg_sys::PgBuiltInOids;
use pgrx::prelude::*;
use pgrx::spi::{OwnedPreparedStatement, SpiClient, SpiTupleTable};
use pgrx::{Array, FromDatum, IntoDatum, PgOid, PgSqlErrorCode};
use rustc_hash::FxHashMap;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;

// The stock itself, then its enabled sources (one row of NULLs when it has
// none): no row at all means the stock does not exist. Coordinates only when
// $2 says the algorithm needs them.
const CANDIDATES: &str = "
    SELECT l.source_code, l.priority,
           CASE WHEN $2 THEN s.latitude::float8 END, CASE WHEN $2 THEN s.longitude::float8 END
      FROM inventory.stock st
      LEFT JOIN (inventory.stock_source_link l
                 JOIN inventory.source s ON s.source_code = l.source_code AND s.enabled)
             ON l.stock_id = st.stock_id
     WHERE st.stock_id = $1";

// What each requested SKU has in stock, whichever stock its sources serve:
// one row of inventory.sku_holding per SKU, with the number of the request it
// answers, matched in the SKU collation (the request's spelling may differ
// from the item's in case or width). The candidates read first say which of
// those sources count. Quantities are integer ten-thousandths, read straight
// into a Qty.
const HOLDINGS: &str = "
    SELECT r.n, h.source_codes, h.units
      FROM unnest($1::text[]) WITH ORDINALITY AS r(sku, n)
      JOIN inventory.sku_holding h ON h.sku = r.sku";

// The same from the source items themselves, one row per in-stock item, for
// databases whose extension predates inventory.sku_holding.
const ITEMS: &str = "
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

// The function is declared here rather than by #[pg_extern]: it returns its
// rows in materialize mode, filling one tuplestore in a single call, which
// pgrx's generated wrappers cannot do (they return a row per call).
extension_sql!(
    r#"
CREATE FUNCTION inventory."select_sources_text"(
	"stock_id" INT,
	"items" TEXT,
	"algorithm" TEXT,
	"destination" TEXT
) RETURNS TABLE (
	"sku" TEXT,
	"source_code" TEXT,
	"qty_to_deduct" NUMERIC,
	"qty_available" NUMERIC
)
STABLE
LANGUAGE c
AS 'MODULE_PATHNAME', 'select_sources_held_wrapper';
"#,
    name = "select_sources_text",
    requires = ["schema"]
);

/// `inventory.select_sources_text(stock_id, items, algorithm, destination)`,
/// the body of `inventory.select_sources` (sql/selection.sql), which hands
/// over its `jsonb` arguments as text.
///
/// Recommends, for each SKU of `items`, how much to take from which source of
/// the stock: one row per (SKU, source holding it in stock) in selection
/// order, and one row with a NULL source for any uncovered remainder, so the
/// request is shippable exactly when no such row comes back. Reservations and
/// thresholds are ignored: they were applied when the order was accepted.
///
/// The search_path is pinned by the body while it runs its queries, not by a
/// SET clause, which PostgreSQL would apply around every call; an error is
/// raised with the SQLSTATE of its [`SqlError`].
///
/// # Safety
///
/// Called by PostgreSQL's function manager only, with the arguments the SQL
/// declaration above names.
#[pg_guard]
#[no_mangle]
pub unsafe extern "C-unwind" fn select_sources_held_wrapper(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    // SAFETY: as the caller promises.
    unsafe { select_sources_call(fcinfo, ItemsFrom::Holdings) }
}

/// The same function as declared by releases before `inventory.sku_holding`
/// existed (their install scripts name this symbol): it reads the source
/// items themselves, so a database keeps selecting between the installation
/// of a new library and its `ALTER EXTENSION inventory UPDATE`.
///
/// # Safety
///
/// As for [`select_sources_held_wrapper`].
#[pg_guard]
#[no_mangle]
pub unsafe extern "C-unwind" fn select_sources_text_wrapper(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    // SAFETY: as the caller promises.
    unsafe { select_sources_call(fcinfo, ItemsFrom::SourceItems) }
}

/// The version-1 calling convention records PostgreSQL looks up beside the
/// two symbols above.
#[no_mangle]
#[doc(hidden)]
pub extern "C" fn pg_finfo_select_sources_held_wrapper() -> &'static pg_sys::Pg_finfo_record {
    const V1_API: pg_sys::Pg_finfo_record = pg_sys::Pg_finfo_record { api_version: 1 };
    &V1_API
}

#[no_mangle]
#[doc(hidden)]
pub extern "C" fn pg_finfo_select_sources_text_wrapper() -> &'static pg_sys::Pg_finfo_record {
    pg_finfo_select_sources_held_wrapper()
}

/// Where a selection reads what each source holds.
#[derive(Clone, Copy)]
enum ItemsFrom {
    /// `inventory.sku_holding`, one row per SKU.
    Holdings,
    /// `inventory.source_item`, one row per item.
    SourceItems,
}

/// # Safety
///
/// `fcinfo` is a call of `select_sources_text` as declared above.
unsafe fn select_sources_call(fcinfo: pg_sys::FunctionCallInfo, from: ItemsFrom) -> pg_sys::Datum {
    // SAFETY: the arguments are those of the declaration: int4 and three texts.
    let (stock_id, items, algorithm, destination) = unsafe {
        (
            pgrx::fcinfo::pg_getarg::<i32>(fcinfo, 0),
            pgrx::fcinfo::pg_getarg::<&str>(fcinfo, 1),
            pgrx::fcinfo::pg_getarg::<&str>(fcinfo, 2),
            pgrx::fcinfo::pg_getarg::<&str>(fcinfo, 3),
        )
    };
    let selection = match selection(stock_id, items, algorithm, destination, from) {
        Ok(selection) => selection,
        Err(e) => {
            ErrorReport::from(e).report(PgLogLevel::ERROR);
            unreachable!("an ERROR report does not return");
        }
    };
    // SAFETY: fcinfo comes from the executor; materialize mode is what
    // every caller of a set-returning function in a FROM clause or a
    // target list allows.
    unsafe { return_rows(fcinfo, &selection) };
    pg_sys::Datum::null()
}

/// What a call recommends, by position: the rows name requests and
/// candidates by index.
struct Selection {
    requests: Vec<Request>,
    candidates: Vec<Candidate>,
    picks: Vec<PickAt>,
}

fn selection(
    stock_id: Option<i32>,
    items: Option<&str>,
    algorithm: Option<&str>,
    destination: Option<&str>,
    from: ItemsFrom,
) -> SqlResult<Selection> {
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

    with_pinned_search_path(|| {
        Spi::connect(|client| -> SqlResult<_> {
            let candidates = read_candidates(client, stock_id, code == DISTANCE)?;
            let algorithm = match code {
                DISTANCE => {
                    let (latitude, longitude) = locate(client, destination.as_ref())?;
                    Algorithm::Distance {
                        latitude,
                        longitude,
                    }
                }
                _ => Algorithm::Priority,
            };
            let holdings = match from {
                ItemsFrom::Holdings => read_holdings(client, &candidates, &requests)?,
                ItemsFrom::SourceItems => read_items(client, &candidates, &requests)?,
            };
            let order = order_sources(&candidates, &algorithm);
            let quantities: Vec<Qty> = requests.iter().map(|r| r.qty).collect();
            let picks = select_at(&order, candidates.len(), &holdings, &quantities);
            Ok(Selection {
                requests,
                candidates,
                picks,
            })
        })
    })
}

/// Puts the rows of a selection into a tuplestore for the executor. Each SKU,
/// each source code and each distinct quantity becomes a datum once.
///
/// # Safety
///
/// `fcinfo` is the call of a function declared as `select_sources_text`.
unsafe fn return_rows(fcinfo: pg_sys::FunctionCallInfo, selection: &Selection) {
    let text = |s: &str| {
        s.into_datum()
            .expect("a string always becomes a text datum")
    };
    let skus: Vec<pg_sys::Datum> = selection.requests.iter().map(|r| text(&r.sku)).collect();
    let codes: Vec<pg_sys::Datum> = selection
        .candidates
        .iter()
        .map(|c| text(&c.source_code))
        .collect();
    let mut numerics: FxHashMap<i64, pg_sys::Datum> = FxHashMap::default();
    let mut numeric = |q: Qty| {
        *numerics
            .entry(q.units())
            .or_insert_with(|| numeric_datum(q))
    };

    // SAFETY: InitMaterializedSRF checks that the caller accepts a
    // tuplestore and leaves it and its row type in fcinfo's ReturnSetInfo;
    // tuplestore_putvalues copies the datums, which live until this call ends.
    unsafe {
        pg_sys::InitMaterializedSRF(fcinfo, 0);
        let rsinfo = (*fcinfo).resultinfo.cast::<pg_sys::ReturnSetInfo>();
        let (store, desc) = ((*rsinfo).setResult, (*rsinfo).setDesc);
        for pick in &selection.picks {
            let source = pick.source.map(|s| codes[s]);
            let mut values = [
                skus[pick.request],
                source.unwrap_or_else(pg_sys::Datum::null),
                numeric(pick.qty_to_deduct),
                numeric(pick.qty_available),
            ];
            let mut nulls = [false, source.is_none(), false, false];
            pg_sys::tuplestore_putvalues(store, desc, values.as_mut_ptr(), nulls.as_mut_ptr());
        }
    }
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

/// The rows the last SPI query returned, read in place: pgrx's row wrapper
/// allocates per row and copies every string, which the hundreds of rows of
/// a selection cannot afford.
struct RawRows {
    tuples: *mut pg_sys::HeapTuple,
    desc: pg_sys::TupleDesc,
    len: usize,
}

impl RawRows {
    /// The rows of `table`, which must be the result of the last query run.
    fn of(table: &SpiTupleTable<'_>) -> Self {
        // SAFETY: SPI_tuptable is the table the last query filled and `table`
        // wraps; it stays valid while `table` lives.
        unsafe {
            let raw = pg_sys::SPI_tuptable;
            if raw.is_null() || table.is_empty() {
                return Self {
                    tuples: std::ptr::null_mut(),
                    desc: std::ptr::null_mut(),
                    len: 0,
                };
            }
            Self {
                tuples: (*raw).vals,
                desc: (*raw).tupdesc,
                len: table.len(),
            }
        }
    }

    /// Column `column` (1-based) of row `row`, or None for NULL.
    ///
    /// # Safety
    ///
    /// `row < self.len`, the column exists, and the rows' table is alive.
    unsafe fn datum(&self, row: usize, column: i32) -> Option<pg_sys::Datum> {
        let mut isnull = false;
        // SAFETY: as the caller promises.
        let datum =
            unsafe { pg_sys::heap_getattr(*self.tuples.add(row), column, self.desc, &mut isnull) };
        (!isnull).then_some(datum)
    }

    /// A text column as a borrowed string.
    ///
    /// # Safety
    ///
    /// As for [`RawRows::datum`], and the column is of type text.
    unsafe fn text(&self, row: usize, column: i32) -> Option<&str> {
        // SAFETY: as the caller promises; a text datum reads as &str.
        unsafe { <&str as FromDatum>::from_datum(self.datum(row, column)?, false) }
    }
}

/// The enabled sources of the stock, with their coordinates when `located`;
/// 42704 when the stock does not exist.
fn read_candidates(
    client: &SpiClient<'_>,
    stock_id: i32,
    located: bool,
) -> SqlResult<Vec<Candidate>> {
    let plan = kept_plan(
        client,
        CANDIDATES,
        &[PgBuiltInOids::INT4OID, PgBuiltInOids::BOOLOID],
    )?;
    let table = client.select(plan, None, &[stock_id.into(), located.into()])?;
    if table.is_empty() {
        return Err(SqlError::new(
            PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT,
            format!("stock {stock_id} does not exist"),
        ));
    }
    let rows = RawRows::of(&table);
    let mut candidates = Vec::with_capacity(rows.len);
    for row in 0..rows.len {
        // SAFETY: the columns of CANDIDATES are text, int4, float8, float8.
        unsafe {
            let Some(source_code) = rows.text(row, 1) else {
                continue;
            };
            let float = |column| {
                rows.datum(row, column)
                    .and_then(|d| f64::from_datum(d, false))
            };
            candidates.push(Candidate {
                source_code: source_code.to_owned(),
                priority: rows
                    .datum(row, 2)
                    .and_then(|d| i32::from_datum(d, false))
                    .unwrap_or(i32::MAX),
                latitude: float(3),
                longitude: float(4),
            });
        }
    }
    Ok(candidates)
}

/// The in-stock items of the requested SKUs at the candidate sources, by
/// position in `candidates` and `requests`.
fn read_holdings(
    client: &SpiClient<'_>,
    candidates: &[Candidate],
    requests: &[Request],
) -> SqlResult<Vec<HeldAt>> {
    let plan = kept_plan(client, HOLDINGS, &[PgBuiltInOids::TEXTARRAYOID])?;
    let skus: Vec<&str> = requests.iter().map(|r| r.sku.as_str()).collect();
    let table = client.select(plan, None, &[skus.into()])?;
    let source_by_code = positions(candidates);
    let broken = || {
        SqlError::new(
            PgSqlErrorCode::ERRCODE_DATA_CORRUPTED,
            "select_sources: a row of inventory.sku_holding is malformed",
        )
        .with_detail(
            "SELECT inventory.rebuild_figures() recomputes every row from the source items.",
        )
    };
    let rows = RawRows::of(&table);
    let mut holdings = Vec::new();
    for row in 0..rows.len {
        // SAFETY: the columns of HOLDINGS are int8, text[], int8[].
        let (n, codes, units) = unsafe {
            (
                rows.datum(row, 1).and_then(|d| i64::from_datum(d, false)),
                rows.datum(row, 2)
                    .and_then(|d| Array::<&str>::from_datum(d, false)),
                rows.datum(row, 3)
                    .and_then(|d| Array::<i64>::from_datum(d, false)),
            )
        };
        let request = request_at(n, requests)?;
        let (Some(codes), Some(units)) = (codes, units) else {
            return Err(broken());
        };
        if codes.len() != units.len() {
            return Err(broken());
        }
        for (code, units) in codes.iter().zip(units.iter()) {
            let (Some(code), Some(units)) = (code, units) else {
                return Err(broken());
            };
            if let Some(&source) = source_by_code.get(code) {
                holdings.push(HeldAt {
                    source,
                    request,
                    available: Qty::from_units(units),
                });
            }
        }
    }
    Ok(holdings)
}

/// [`read_holdings`] from the source items, one row each.
fn read_items(
    client: &SpiClient<'_>,
    candidates: &[Candidate],
    requests: &[Request],
) -> SqlResult<Vec<HeldAt>> {
    let plan = kept_plan(client, ITEMS, &[PgBuiltInOids::TEXTARRAYOID])?;
    let skus: Vec<&str> = requests.iter().map(|r| r.sku.as_str()).collect();
    let table = client.select(plan, None, &[skus.into()])?;
    let source_by_code = positions(candidates);
    let rows = RawRows::of(&table);
    let mut holdings = Vec::with_capacity(rows.len);
    for row in 0..rows.len {
        // SAFETY: the columns of ITEMS are int8, text, int8.
        let (n, source_code, units) = unsafe {
            (
                rows.datum(row, 1).and_then(|d| i64::from_datum(d, false)),
                rows.text(row, 2),
                rows.datum(row, 3).and_then(|d| i64::from_datum(d, false)),
            )
        };
        let request = request_at(n, requests)?;
        if let Some(&source) = source_code.and_then(|c| source_by_code.get(c)) {
            holdings.push(HeldAt {
                source,
                request,
                available: Qty::from_units(units.unwrap_or_default()),
            });
        }
    }
    Ok(holdings)
}

/// Each candidate's position by its source code.
fn positions(candidates: &[Candidate]) -> FxHashMap<&str, usize> {
    candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (c.source_code.as_str(), i))
        .collect()
}

/// The position of the request a row answers, from its 1-based number.
fn request_at(n: Option<i64>, requests: &[Request]) -> SqlResult<usize> {
    n.and_then(|n| usize::try_from(n).ok())
        .and_then(|n| n.checked_sub(1))
        .filter(|&n| n < requests.len())
        .ok_or_else(|| {
            SqlError::new(
                PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
                "select_sources: an item answers no request",
            )
        })
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
    // As error messages quote it: its first 80 characters.
    let quoted = {
        let text = destination.to_string();
        match text.char_indices().nth(80) {
            Some((end, _)) => format!("{}...", &text[..end]),
            None => text,
        }
    };
    let object = destination
        .as_object()
        .ok_or_else(|| SqlError::invalid(format!("destination {quoted} must be a JSON object")))?;

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
                "destination {quoted} has neither coordinates nor a country"
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
        // A city named with a region is looked for in that region only: the
        // same name elsewhere is another place.
        if query == by_city && region.is_some() {
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
    Err(SqlError::invalid(format!("destination {quoted} cannot be placed"))
        .with_detail("Neither its postcode, its city nor its region is in inventory.geoname for that country; load postal codes with inventory.import_geonames."))
}
