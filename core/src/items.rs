//! Item lists: the `items` argument of `place_order`, `select_sources` and the other calls
//! that take `[{"sku": "24-MB01", "qty": 2}, ...]`.
//!
//! A list is read whole or rejected: every element must be an object with a valid SKU and a
//! positive quantity, and the same SKU twice (in any case) is summed into one item before
//! any check on stock is made.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

use crate::qty::{Qty, QtyError};
use crate::sku::{sku_key, validate_sku, SkuError};

/// One line of an item list: a SKU, spelled as the caller first spelled it, and a quantity
/// above zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub sku: String,
    pub qty: Qty,
}

/// Why an item list is rejected. `index` is the 1-based position of the offending element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemsError {
    /// The text is not JSON at all.
    InvalidJson(String),
    /// The value is not a JSON array.
    NotAnArray,
    /// The array has no elements.
    Empty,
    /// An element is not a JSON object.
    NotAnObject { index: usize },
    /// An element has no `"sku"` key (or it is null).
    MissingSku { index: usize },
    /// An element's `"sku"` is not a string.
    SkuNotAString { index: usize },
    /// An element's SKU fails [`validate_sku`].
    InvalidSku { index: usize, error: SkuError },
    /// An element has no `"qty"` key (or it is null).
    MissingQty { index: usize, sku: String },
    /// An element's `"qty"` is neither a number nor a string.
    QtyNotANumber { index: usize, sku: String },
    /// An element's quantity is not an acceptable quantity.
    InvalidQty {
        index: usize,
        sku: String,
        error: QtyError,
    },
    /// An element's quantity is zero or negative.
    QtyNotPositive { index: usize, sku: String, qty: Qty },
    /// Adding this element to earlier ones with the same SKU leaves the quantity range.
    TotalTooLarge { index: usize, sku: String },
}

const SHAPE: &str = r#"{"sku": ..., "qty": ...}"#;

impl fmt::Display for ItemsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemsError::InvalidJson(reason) => write!(f, "items is not valid JSON: {reason}"),
            ItemsError::NotAnArray => write!(f, "items must be a JSON array of {SHAPE} objects"),
            ItemsError::Empty => {
                write!(
                    f,
                    "items must not be empty: give at least one {SHAPE} object"
                )
            }
            ItemsError::NotAnObject { index } => {
                write!(f, "items[{index}]: must be an object {SHAPE}")
            }
            ItemsError::MissingSku { index } => write!(f, "items[{index}]: missing \"sku\""),
            ItemsError::SkuNotAString { index } => {
                write!(f, "items[{index}]: \"sku\" must be a string")
            }
            ItemsError::InvalidSku { index, error } => write!(f, "items[{index}]: {error}"),
            ItemsError::MissingQty { index, sku } => {
                write!(f, "items[{index}]: missing \"qty\" for SKU {sku:?}")
            }
            ItemsError::QtyNotANumber { index, sku } => {
                write!(f, "items[{index}]: qty for SKU {sku:?} must be a number")
            }
            ItemsError::InvalidQty { index, sku, error } => {
                write!(f, "items[{index}]: qty for SKU {sku:?}: {error}")
            }
            ItemsError::QtyNotPositive { index, sku, .. } => {
                write!(
                    f,
                    "items[{index}]: qty for SKU {sku:?} must be greater than 0"
                )
            }
            ItemsError::TotalTooLarge { index, sku } => write!(
                f,
                "items[{index}]: total qty for SKU {sku:?} is out of range \
                 (absolute value must be below {})",
                crate::qty::LIMIT
            ),
        }
    }
}

impl std::error::Error for ItemsError {}

/// Reads an item list from a JSON value.
///
/// Guarantees on success: at least one item; every SKU valid per [`validate_sku`] and
/// distinct from the others case-insensitively; every quantity above zero, exact (read from
/// the number's own text, never through a float) and within the quantity range. Items
/// naming the same SKU are summed into the first of them, which keeps its spelling and
/// position. Keys other than `"sku"` and `"qty"` are ignored; `"qty"` may also be a string
/// holding a number. The first offending element (in array order) is reported.
pub fn parse_items(value: &Value) -> Result<Vec<Item>, ItemsError> {
    let elements = value.as_array().ok_or(ItemsError::NotAnArray)?;
    if elements.is_empty() {
        return Err(ItemsError::Empty);
    }

    let mut items: Vec<Item> = Vec::with_capacity(elements.len());
    let mut position_by_key: HashMap<String, usize> = HashMap::with_capacity(elements.len());
    for (offset, element) in elements.iter().enumerate() {
        let index = offset + 1;
        let item = parse_item(index, element)?;

        match position_by_key.get(&sku_key(&item.sku)) {
            Some(&position) => {
                let first = &mut items[position];
                first.qty = first
                    .qty
                    .checked_add(item.qty)
                    .filter(|total| total.is_in_range())
                    .ok_or_else(|| ItemsError::TotalTooLarge {
                        index,
                        sku: first.sku.clone(),
                    })?;
            }
            None => {
                position_by_key.insert(sku_key(&item.sku), items.len());
                items.push(item);
            }
        }
    }
    Ok(items)
}

/// A line of a merged item list: its 1-based number in the list as first read, the SKU as
/// that line spelled it, and the summed quantity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub line: usize,
    pub sku: String,
    pub qty: Qty,
}

/// Merges the items of a parsed list whose SKUs `compare` orders as equal, for an equality
/// wider than [`parse_items`]' case-insensitive one (the database's SKU collation also
/// equates, say, full-width and ASCII letters). Each group keeps the number, spelling and
/// position of its first line and the sum of the quantities; the lines come back in line
/// order, numbered as `items` was (item `i` is line `i + 1`), so a merged line leaves a gap.
///
/// `compare` must be a total preorder on SKUs. Lists of one item are returned without a call.
pub fn merge_lines(
    items: Vec<Item>,
    mut compare: impl FnMut(&str, &str) -> Ordering,
) -> Result<Vec<Line>, ItemsError> {
    let mut lines: Vec<Line> = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| Line {
            line: i + 1,
            sku: item.sku,
            qty: item.qty,
        })
        .collect();
    if lines.len() < 2 {
        return Ok(lines);
    }

    // Sorted by SKU (stable: equal SKUs stay in line order), each run of equal SKUs is one
    // group, headed by its first line.
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by(|&a, &b| compare(&lines[a].sku, &lines[b].sku));
    let mut merged = vec![false; lines.len()];
    let mut head = order[0];
    for &next in &order[1..] {
        if compare(&lines[head].sku, &lines[next].sku) != Ordering::Equal {
            head = next;
            continue;
        }
        let added = lines[next].qty;
        let first = &mut lines[head];
        first.qty = first
            .qty
            .checked_add(added)
            .filter(|total| total.is_in_range())
            .ok_or_else(|| ItemsError::TotalTooLarge {
                index: next + 1,
                sku: first.sku.clone(),
            })?;
        merged[next] = true;
    }
    let mut kept = Vec::with_capacity(lines.len());
    for (line, merged) in lines.into_iter().zip(merged) {
        if !merged {
            kept.push(line);
        }
    }
    Ok(kept)
}

/// Reads an item list from JSON text: as [`parse_items`], with text that is not JSON
/// reported as [`ItemsError::InvalidJson`].
pub fn parse_items_str(json: &str) -> Result<Vec<Item>, ItemsError> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| ItemsError::InvalidJson(e.to_string()))?;
    parse_items(&value)
}

fn parse_item(index: usize, element: &Value) -> Result<Item, ItemsError> {
    let object = element
        .as_object()
        .ok_or(ItemsError::NotAnObject { index })?;

    let sku = match object.get("sku") {
        None | Some(Value::Null) => return Err(ItemsError::MissingSku { index }),
        Some(Value::String(sku)) => sku.clone(),
        Some(_) => return Err(ItemsError::SkuNotAString { index }),
    };
    validate_sku(&sku).map_err(|error| ItemsError::InvalidSku { index, error })?;

    // With serde_json's arbitrary_precision, a number keeps the exact text it was written as.
    let text = match object.get("qty") {
        None | Some(Value::Null) => return Err(ItemsError::MissingQty { index, sku }),
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::String(text)) => text.clone(),
        Some(_) => return Err(ItemsError::QtyNotANumber { index, sku }),
    };
    let qty = match Qty::parse(&text) {
        Ok(qty) => qty,
        Err(error) => return Err(ItemsError::InvalidQty { index, sku, error }),
    };
    if !qty.is_positive() {
        return Err(ItemsError::QtyNotPositive { index, sku, qty });
    }
    Ok(Item { sku, qty })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(sku: &str, qty: &str) -> Item {
        Item {
            sku: sku.to_string(),
            qty: Qty::parse(qty).unwrap(),
        }
    }

    fn error(json: &str) -> String {
        parse_items_str(json).unwrap_err().to_string()
    }

    fn line(n: usize, sku: &str, qty: &str) -> Line {
        Line {
            line: n,
            sku: sku.to_string(),
            qty: Qty::parse(qty).unwrap(),
        }
    }

    /// Equal when equal after removing hyphens: a stand-in for a collation that equates
    /// more than lower case does.
    fn without_hyphens(a: &str, b: &str) -> Ordering {
        a.replace('-', "").cmp(&b.replace('-', ""))
    }

    #[test]
    fn merge_lines_sums_equal_skus_into_their_first_line_and_keeps_line_numbers() {
        let items = vec![
            item("AB", "1"),
            item("X", "2"),
            item("A-B", "3"),
            item("Y", "4"),
            item("-AB", "0.5"),
        ];
        assert_eq!(
            merge_lines(items, without_hyphens),
            Ok(vec![
                line(1, "AB", "4.5"),
                line(2, "X", "2"),
                line(4, "Y", "4")
            ])
        );
    }

    #[test]
    fn merge_lines_keeps_the_first_spelling_even_when_it_sorts_last() {
        let items = vec![item("B-", "1"), item("A", "1"), item("B", "2")];
        assert_eq!(
            merge_lines(items, without_hyphens),
            Ok(vec![line(1, "B-", "3"), line(2, "A", "1")])
        );
    }

    #[test]
    fn merge_lines_leaves_distinct_skus_alone_and_never_compares_a_single_line() {
        let items = vec![item("C", "1"), item("A", "2"), item("B", "3")];
        assert_eq!(
            merge_lines(items, without_hyphens),
            Ok(vec![
                line(1, "C", "1"),
                line(2, "A", "2"),
                line(3, "B", "3")
            ])
        );
        let single = merge_lines(vec![item("A", "1")], |_, _| panic!("compared"));
        assert_eq!(single, Ok(vec![line(1, "A", "1")]));
    }

    #[test]
    fn merge_lines_refuses_a_sum_out_of_range() {
        let items = vec![item("A-", "99999999"), item("A", "1")];
        assert_eq!(
            merge_lines(items, without_hyphens).unwrap_err().to_string(),
            "items[2]: total qty for SKU \"A-\" is out of range (absolute value must be below 100000000)"
        );
    }

    #[test]
    fn a_list_of_sku_and_qty_objects_is_read_in_order() {
        let items =
            parse_items_str(r#"[{"sku": "24-MB01", "qty": 2}, {"sku": "24-MB04", "qty": 0.5}]"#);
        assert_eq!(
            items,
            Ok(vec![item("24-MB01", "2"), item("24-MB04", "0.5")])
        );
    }

    #[test]
    fn parse_items_reads_a_json_value() {
        let value = serde_json::json!([{"sku": "A", "qty": 3}]);
        assert_eq!(parse_items(&value), Ok(vec![item("A", "3")]));
    }

    #[test]
    fn qty_is_read_from_the_numbers_exact_text() {
        let items = parse_items_str(
            r#"[{"sku": "A", "qty": 1.50000}, {"sku": "B", "qty": 1e2},
                                       {"sku": "C", "qty": 0.0001}, {"sku": "D", "qty": 2.5E-1}]"#,
        )
        .unwrap();
        let quantities: Vec<String> = items.iter().map(|i| i.qty.to_string()).collect();
        assert_eq!(quantities, ["1.5", "100", "0.0001", "0.25"]);
    }

    #[test]
    fn qty_may_be_a_string_holding_a_number() {
        assert_eq!(
            parse_items_str(r#"[{"sku": "A", "qty": "2.25"}]"#),
            Ok(vec![item("A", "2.25")])
        );
        assert_eq!(
            error(r#"[{"sku": "A", "qty": " 2"}]"#),
            r#"items[1]: qty for SKU "A": quantity " 2" is not a number"#
        );
    }

    #[test]
    fn same_sku_in_two_cases_is_summed_keeping_first_spelling() {
        let items = parse_items_str(
            r#"[{"sku": "abc-1", "qty": 1}, {"sku": "B", "qty": 4}, {"sku": "ABC-1", "qty": 2.5}]"#,
        );
        assert_eq!(items, Ok(vec![item("abc-1", "3.5"), item("B", "4")]));
    }

    #[test]
    fn other_keys_are_ignored() {
        let items = parse_items_str(r#"[{"sku": "A", "qty": 1, "price": 9.99, "name": "x"}]"#);
        assert_eq!(items, Ok(vec![item("A", "1")]));
    }

    #[test]
    fn zero_or_negative_qty_is_rejected_naming_the_sku() {
        assert_eq!(
            error(r#"[{"sku": "A", "qty": 1}, {"sku": "24-MB01", "qty": 0}]"#),
            r#"items[2]: qty for SKU "24-MB01" must be greater than 0"#
        );
        assert_eq!(
            error(r#"[{"sku": "24-MB01", "qty": -1}]"#),
            r#"items[1]: qty for SKU "24-MB01" must be greater than 0"#
        );
    }

    #[test]
    fn too_precise_or_too_large_qty_is_rejected_with_the_reason() {
        assert_eq!(
            error(r#"[{"sku": "A", "qty": 1.00001}]"#),
            r#"items[1]: qty for SKU "A": quantity 1.00001 has more than 4 decimal places"#
        );
        assert_eq!(
            error(r#"[{"sku": "A", "qty": 1e999999999999}]"#),
            "items[1]: qty for SKU \"A\": quantity 1e+999999999999 is out of range \
             (absolute value must be below 100000000)"
        );
        assert_eq!(
            error(r#"[{"sku": "A", "qty": "NaN"}]"#),
            r#"items[1]: qty for SKU "A": quantity NaN is not a number"#
        );
    }

    #[test]
    fn a_sum_leaving_the_range_is_rejected() {
        assert_eq!(
            error(r#"[{"sku": "A", "qty": 60000000}, {"sku": "a", "qty": 50000000}]"#),
            "items[2]: total qty for SKU \"A\" is out of range \
             (absolute value must be below 100000000)"
        );
    }

    #[test]
    fn anything_but_an_array_is_rejected() {
        let expected = r#"items must be a JSON array of {"sku": ..., "qty": ...} objects"#;
        assert_eq!(error(r#"{"sku": "A", "qty": 1}"#), expected);
        assert_eq!(error("null"), expected);
        assert_eq!(error("\"A\""), expected);
    }

    #[test]
    fn an_empty_array_is_rejected() {
        assert_eq!(parse_items_str("[]"), Err(ItemsError::Empty));
    }

    #[test]
    fn malformed_elements_are_rejected_by_position() {
        assert_eq!(error(r#"[{"qty": 1}]"#), r#"items[1]: missing "sku""#);
        assert_eq!(
            error(r#"[{"sku": null, "qty": 1}]"#),
            r#"items[1]: missing "sku""#
        );
        assert_eq!(
            error(r#"[{"sku": 12, "qty": 1}]"#),
            r#"items[1]: "sku" must be a string"#
        );
        assert_eq!(
            error(r#"[{"sku": "A", "qty": 1}, 7]"#),
            r#"items[2]: must be an object {"sku": ..., "qty": ...}"#
        );
        assert_eq!(
            error(r#"[{"sku": "A"}]"#),
            r#"items[1]: missing "qty" for SKU "A""#
        );
        assert_eq!(
            error(r#"[{"sku": "A", "qty": true}]"#),
            r#"items[1]: qty for SKU "A" must be a number"#
        );
    }

    #[test]
    fn an_invalid_sku_is_rejected_with_the_sku_rule() {
        assert_eq!(
            error(r#"[{"sku": " A", "qty": 1}]"#),
            r#"items[1]: SKU " A" has leading or trailing whitespace"#
        );
        assert_eq!(
            error(r#"[{"sku": "", "qty": 1}]"#),
            "items[1]: SKU must not be empty"
        );
    }

    #[test]
    fn text_that_is_not_json_is_rejected() {
        assert!(matches!(
            parse_items_str("[{\"sku\": "),
            Err(ItemsError::InvalidJson(_))
        ));
        assert!(error("not json").starts_with("items is not valid JSON: "));
    }

    #[test]
    fn a_long_list_of_one_sku_sums_exactly() {
        let element = r#"{"sku": "A", "qty": 0.0001}"#;
        let json = format!("[{}]", vec![element; 10_000].join(","));
        assert_eq!(parse_items_str(&json), Ok(vec![item("A", "1")]));
    }
}
