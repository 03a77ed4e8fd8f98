//! The invariants the fuzz targets check on every input, beyond "does not panic": what each
//! parser's documentation guarantees on success and on failure, plus a round trip of every
//! accepted file (written back in its own format, it must read back to the same rows).
//!
//! Each check panics with a message naming the broken guarantee, which libFuzzer reports as
//! a crash and saves the input of.

use std::collections::HashSet;

use inventory_core::catalog::{
    is_product_type, parse_catalog, CatalogProduct, LineError, MAX_LISTED_ERRORS,
};
use inventory_core::geonames::parse_geonames;
use inventory_core::items::{merge_lines, parse_items_str, Item, ItemsError};
use inventory_core::qty::{Qty, QtyError, LIMIT};
use inventory_core::sku::{sku_key, validate_sku, validate_source_code};
use inventory_core::source_items::{parse_source_items, SourceItemRow};

/// The number of lines of a text as the parsers count them: one more than its line feeds.
fn line_count(text: &str) -> u64 {
    text.bytes().filter(|&b| b == b'\n').count() as u64 + 1
}

/// The guarantees of a rejected file's error list: at least one problem, at most
/// [`MAX_LISTED_ERRORS`] listed and the rest only counted, each at a line of the file, in
/// file order, and a message with one `line N: ...` line per listed problem.
fn check_line_errors(what: &str, text: &str, errors: &[LineError], omitted: usize, shown: &str) {
    let lines = line_count(text);
    assert!(
        !errors.is_empty(),
        "{what}: rejected with no problem listed"
    );
    assert!(
        errors.len() <= MAX_LISTED_ERRORS,
        "{what}: {} problems listed",
        errors.len()
    );
    assert!(
        omitted == 0 || errors.len() == MAX_LISTED_ERRORS,
        "{what}: {omitted} problems left off with only {} listed",
        errors.len()
    );
    for error in errors {
        assert!(
            (1..=lines).contains(&error.line),
            "{what}: problem at line {} of a text of {lines} lines: {}",
            error.line,
            error.message
        );
        assert!(
            !error.message.is_empty(),
            "{what}: empty message at line {}",
            error.line
        );
    }
    assert!(
        errors.windows(2).all(|w| w[0].line <= w[1].line),
        "{what}: problems not in file order: {:?}",
        errors.iter().map(|e| e.line).collect::<Vec<_>>()
    );
    let listed = shown.lines().filter(|l| l.starts_with("line ")).count();
    assert!(
        listed >= errors.len(),
        "{what}: message names {listed} lines for {} problems: {shown:?}",
        errors.len()
    );
}

/// Rows' lines: each at a line of the text, in file order.
fn check_row_lines(what: &str, text: &str, rows: impl Iterator<Item = u64>) {
    let lines = line_count(text);
    let mut previous = 1;
    for line in rows {
        assert!(
            (1..=lines).contains(&line),
            "{what}: row at line {line} of {lines}"
        );
        assert!(
            line >= previous,
            "{what}: row at line {line} after one at {previous}"
        );
        previous = line;
    }
}

fn check_qty_value(what: &str, qty: Qty) {
    assert!(qty.is_in_range(), "{what}: quantity {qty} out of range");
    assert_eq!(
        Qty::parse(&qty.to_string()),
        Ok(qty),
        "{what}: {qty} does not read back"
    );
}

/// A CSV field, always quoted, quotes doubled.
fn quoted(field: &str) -> String {
    format!("\"{}\"", field.replace('"', "\"\""))
}

/// `parse_catalog` on any text: an accepted catalog is valid and reads back the same when
/// written again; a rejected one says where.
pub fn check_catalog(text: &str) {
    let products = match parse_catalog(text) {
        Ok(products) => products,
        Err(e) => {
            check_line_errors("catalog", text, &e.errors, e.omitted, &e.to_string());
            return;
        }
    };

    check_row_lines("catalog", text, products.iter().map(|p| p.line));
    let mut keys = HashSet::new();
    for p in &products {
        assert_eq!(
            validate_sku(&p.sku),
            Ok(()),
            "catalog: accepted SKU {:?}",
            p.sku
        );
        assert!(
            keys.insert(sku_key(&p.sku)),
            "catalog: SKU {:?} accepted twice",
            p.sku
        );
        assert!(is_product_type(&p.type_id), "catalog: type {:?}", p.type_id);
        assert!(
            matches!(p.backorders, None | Some(0..=2)),
            "catalog: {:?}",
            p.backorders
        );
        let quantities = [
            p.qty,
            p.min_qty,
            p.min_sale_qty,
            p.max_sale_qty,
            p.qty_increments,
            p.notify_stock_qty,
        ];
        for qty in quantities.into_iter().flatten() {
            check_qty_value("catalog", qty);
        }
        assert!(
            p.name.as_deref() != Some(""),
            "catalog: empty name kept as Some"
        );
    }

    let written = write_catalog(&products);
    let again = parse_catalog(&written)
        .unwrap_or_else(|e| panic!("catalog: written back {written:?}, rejected: {e}"));
    let strip = |ps: &[CatalogProduct]| {
        ps.iter()
            .map(|p| CatalogProduct {
                line: 0,
                ..p.clone()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        strip(&again),
        strip(&products),
        "catalog: round trip of {written:?}"
    );
}

fn write_catalog(products: &[CatalogProduct]) -> String {
    let qty = |q: Option<Qty>| q.map(|q| q.to_string()).unwrap_or_default();
    let flag = |b: Option<bool>| b.map(|b| u8::from(b).to_string()).unwrap_or_default();
    let mut out = String::from(
        "sku,product_type,qty,is_in_stock,manage_stock,allow_backorders,out_of_stock_qty,\
         min_cart_qty,max_cart_qty,enable_qty_increments,qty_increments,is_qty_decimal,\
         notify_on_stock_below,name\n",
    );
    for p in products {
        let fields = [
            quoted(&p.sku),
            p.type_id.clone(),
            qty(p.qty),
            flag(p.is_in_stock),
            flag(p.manage_stock),
            p.backorders.map(|b| b.to_string()).unwrap_or_default(),
            qty(p.min_qty),
            qty(p.min_sale_qty),
            qty(p.max_sale_qty),
            flag(p.enable_qty_increments),
            qty(p.qty_increments),
            flag(p.is_qty_decimal),
            qty(p.notify_stock_qty),
            quoted(p.name.as_deref().unwrap_or("")),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// `parse_source_items` on any text: accepted rows are valid, distinct per (source, SKU) and
/// read back the same when written again; a rejected file says where.
pub fn check_source_items(text: &str) {
    let rows = match parse_source_items(text) {
        Ok(rows) => rows,
        Err(e) => {
            check_line_errors("source items", text, &e.errors, e.omitted, &e.to_string());
            return;
        }
    };

    check_row_lines("source items", text, rows.iter().map(|r| r.line));
    let mut pairs = HashSet::new();
    for r in &rows {
        assert_eq!(
            validate_sku(&r.sku),
            Ok(()),
            "source items: SKU {:?}",
            r.sku
        );
        assert_eq!(
            validate_source_code(&r.source_code),
            Ok(()),
            "source items: source {:?}",
            r.source_code
        );
        assert!(
            matches!(r.status, 0 | 1),
            "source items: status {}",
            r.status
        );
        check_qty_value("source items", r.quantity);
        assert!(
            pairs.insert((r.source_code.clone(), sku_key(&r.sku))),
            "source items: {:?} at {:?} accepted twice",
            r.sku,
            r.source_code
        );
    }

    let mut written = String::from("source_code,sku,status,quantity\r\n");
    for r in &rows {
        let fields = [
            quoted(&r.source_code),
            quoted(&r.sku),
            r.status.to_string(),
            quoted(&r.quantity.to_string()),
        ];
        written.push_str(&fields.join(","));
        written.push_str("\r\n");
    }
    let again = parse_source_items(&written)
        .unwrap_or_else(|e| panic!("source items: written back {written:?}, rejected: {e}"));
    let strip = |rs: &[SourceItemRow]| {
        rs.iter()
            .map(|r| SourceItemRow {
                line: 0,
                ..r.clone()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        strip(&again),
        strip(&rows),
        "source items: round trip of {written:?}"
    );
}

/// `parse_geonames` on any text: accepted rows have a proper country code, a postal code,
/// coordinates in range, no repeated (country, postal code), and read back the same when
/// written again; a rejected file says where.
pub fn check_geonames(text: &str) {
    let rows = match parse_geonames(text) {
        Ok(rows) => rows,
        Err(e) => {
            check_line_errors("geonames", text, &e.errors, e.omitted, &e.to_string());
            return;
        }
    };

    assert!(
        rows.len() as u64 <= line_count(text),
        "geonames: more rows than lines"
    );
    let mut codes = HashSet::new();
    for r in &rows {
        let cc = r.country_code.as_bytes();
        assert!(
            cc.len() == 2 && cc.iter().all(u8::is_ascii_uppercase),
            "geonames: country code {:?}",
            r.country_code
        );
        assert!(!r.postcode.trim().is_empty(), "geonames: blank postal code");
        assert!(
            r.latitude.is_finite() && (-90.0..=90.0).contains(&r.latitude),
            "geonames: latitude {}",
            r.latitude
        );
        assert!(
            r.longitude.is_finite() && (-180.0..=180.0).contains(&r.longitude),
            "geonames: longitude {}",
            r.longitude
        );
        assert!(
            codes.insert((r.country_code.clone(), r.postcode.clone())),
            "geonames: {} {:?} accepted twice",
            r.country_code,
            r.postcode
        );
        for field in [&r.postcode, &r.city, &r.region, &r.region_code, &r.province] {
            assert!(
                !field.contains(['\t', '\r', '\n']),
                "geonames: field {field:?} holds a separator"
            );
        }
    }

    let written: String = rows
        .iter()
        .map(|r| {
            format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t\t\t\t{}\t{}\t\n",
                r.country_code,
                r.postcode,
                r.city,
                r.region,
                r.region_code,
                r.province,
                r.latitude,
                r.longitude
            )
        })
        .collect();
    let again = parse_geonames(&written)
        .unwrap_or_else(|e| panic!("geonames: written back {written:?}, rejected: {e}"));
    assert_eq!(again, rows, "geonames: round trip of {written:?}");
}

/// `parse_items_str` on any text: an accepted list is non-empty, its SKUs valid and distinct,
/// its quantities positive and in range, and it reads back the same when written again; a
/// rejected one names an element that exists.
pub fn check_items(text: &str) {
    let items = match parse_items_str(text) {
        Ok(items) => items,
        Err(e) => {
            check_items_error(text, &e);
            return;
        }
    };

    assert!(!items.is_empty(), "items: accepted an empty list");
    let mut keys = HashSet::new();
    for item in &items {
        assert_eq!(validate_sku(&item.sku), Ok(()), "items: SKU {:?}", item.sku);
        assert!(
            keys.insert(sku_key(&item.sku)),
            "items: SKU {:?} twice",
            item.sku
        );
        assert!(item.qty.is_positive(), "items: quantity {}", item.qty);
        check_qty_value("items", item.qty);
    }

    let written = serde_json::Value::Array(
        items
            .iter()
            .map(|Item { sku, qty }| {
                let qty: serde_json::Number = qty.to_string().parse().expect("a JSON number");
                serde_json::json!({ "sku": sku, "qty": qty })
            })
            .collect(),
    )
    .to_string();
    let again = parse_items_str(&written)
        .unwrap_or_else(|e| panic!("items: written back {written:?}, rejected: {e}"));
    assert_eq!(again, items, "items: round trip of {written:?}");

    check_merged_lines(&items);
}

/// A stand-in for a collation that equates more than lower case does: lower case with
/// hyphens and underscores left out.
fn loose_key(sku: &str) -> String {
    sku_key(sku).replace(['-', '_'], "")
}

/// `merge_lines` over an accepted list, with [`loose_key`] as the equality: every group of
/// equal SKUs becomes its first line, which keeps its number and spelling and holds the
/// group's sum; the lines stay in line order and no two remaining lines are equal; a sum out
/// of range is refused, naming a line of the list.
fn check_merged_lines(items: &[Item]) {
    let merged = match merge_lines(items.to_vec(), |a, b| loose_key(a).cmp(&loose_key(b))) {
        Ok(lines) => lines,
        Err(ItemsError::TotalTooLarge { index, .. }) => {
            assert!(
                (2..=items.len()).contains(&index),
                "merge: refused at line {index}"
            );
            return;
        }
        Err(e) => panic!("merge: unexpected error {e}"),
    };
    assert_eq!(
        merged.first().map(|l| l.line),
        Some(1),
        "merge: line 1 is always kept"
    );
    let mut seen = HashSet::new();
    let mut previous = 0;
    for line in &merged {
        assert!(line.line > previous, "merge: lines out of order");
        previous = line.line;
        let first = &items[line.line - 1];
        assert_eq!(
            line.sku, first.sku,
            "merge: line {} changed its spelling",
            line.line
        );
        let key = loose_key(&line.sku);
        assert!(seen.insert(key.clone()), "merge: {:?} twice", line.sku);
        let sum = items
            .iter()
            .filter(|i| loose_key(&i.sku) == key)
            .fold(Qty::from_units(0), |total, i| {
                total.checked_add(i.qty).expect("in range")
            });
        assert_eq!(
            line.qty, sum,
            "merge: line {} holds {}",
            line.line, line.qty
        );
    }
    let groups: HashSet<String> = items.iter().map(|i| loose_key(&i.sku)).collect();
    assert_eq!(seen.len(), groups.len(), "merge: a group was lost");
}

fn check_items_error(text: &str, error: &ItemsError) {
    let index = match error {
        ItemsError::InvalidJson(_) | ItemsError::NotAnArray | ItemsError::Empty => return,
        ItemsError::NotAnObject { index }
        | ItemsError::MissingSku { index }
        | ItemsError::SkuNotAString { index }
        | ItemsError::InvalidSku { index, .. }
        | ItemsError::MissingQty { index, .. }
        | ItemsError::QtyNotANumber { index, .. }
        | ItemsError::InvalidQty { index, .. }
        | ItemsError::QtyNotPositive { index, .. }
        | ItemsError::TotalTooLarge { index, .. } => *index,
    };
    let value: serde_json::Value = serde_json::from_str(text).expect("parsed once already");
    let len = value.as_array().map_or(0, Vec::len);
    assert!(
        (1..=len).contains(&index),
        "items: error at element {index} of {len}: {error}"
    );
    if let ItemsError::QtyNotPositive { qty, .. } = error {
        assert!(!qty.is_positive(), "items: {qty} called not positive");
    }
}

/// `Qty::parse` on any text: an accepted quantity is in range, prints as text that reads back
/// to it, equals what the text means as a float, and reads the same as a figure; a rejection
/// for size, NaN or infinity agrees with the float reading.
pub fn check_qty(text: &str) {
    let float = text.parse::<f64>().ok();
    match Qty::parse(text) {
        Ok(qty) => {
            check_qty_value("qty", qty);
            assert_eq!(
                Qty::parse_figure(text),
                Ok(qty),
                "qty: {text:?} as a figure"
            );
            if let Some(f) = float {
                let units = qty.units() as f64;
                let tolerance = 1e-9 * units.abs().max(1.0);
                assert!(
                    (f * 10_000.0 - units).abs() <= tolerance,
                    "qty: {text:?} read as {qty}, as a float {f}"
                );
            }
        }
        Err(QtyError::TooLarge(_)) => {
            if let Some(f) = float {
                assert!(
                    f.abs() >= LIMIT as f64,
                    "qty: {text:?} called too large, is {f}"
                );
            }
        }
        Err(QtyError::NotANumber(_)) => {
            assert!(float.is_some_and(f64::is_nan), "qty: {text:?} called NaN");
        }
        Err(QtyError::Infinite(_)) => {
            assert!(
                float.is_some_and(f64::is_infinite),
                "qty: {text:?} called infinite"
            );
        }
        Err(QtyError::Empty) => {
            assert!(text.trim().is_empty(), "qty: {text:?} called empty");
        }
        Err(QtyError::TooPrecise(_) | QtyError::Malformed(_)) => {}
    }
}

/// `check_qty` on the text alone, and through an item list when it is a bare JSON number:
/// the item's quantity must then be what `Qty::parse` reads.
pub fn check_qty_in_items(text: &str) {
    check_qty(text);

    let number_like = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
    if !number_like {
        return;
    }
    let json = format!("[{{\"sku\": \"fuzz\", \"qty\": {text}}}]");
    if let Ok(items) = parse_items_str(&json) {
        assert_eq!(items.len(), 1, "items: {json:?}");
        assert_eq!(Qty::parse(text), Ok(items[0].qty), "items: {json:?}");
    }
}
