//! The reader of Magento's `stock_sources` import file: one source item per row, with the
//! header `source_code,sku,status,quantity`.
//!
//! Columns are found by their header names, in any order; `source_code`, `sku` and
//! `quantity` must be present, `status` may be absent (every row is then in stock), and other
//! columns are ignored. Fields may be quoted. The whole file is validated before anything is
//! returned, so an import either writes every row or none. Whether each source exists is for
//! the database to check.

use std::collections::HashMap;
use std::fmt;

use csv::{ReaderBuilder, StringRecord};

use crate::catalog::LineError;
use crate::csv_lines::{open_quote_line, record_line, write_problems, Problems};
use crate::qty::{Qty, QtyError};
use crate::sku::{sku_key, validate_sku, validate_source_code};

/// The columns every file must have.
pub const REQUIRED_COLUMNS: [&str; 3] = ["source_code", "sku", "quantity"];

/// The status of a row when the file has no `status` column: in stock.
pub const DEFAULT_STATUS: i16 = 1;

/// One source item of the file, valid in itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceItemRow {
    /// The line of the file where the row starts (the header is line 1).
    pub line: u64,
    pub source_code: String,
    pub sku: String,
    /// 1 in stock, 0 out of stock.
    pub status: i16,
    pub quantity: Qty,
}

/// Why an import file is rejected: the first [`crate::catalog::MAX_LISTED_ERRORS`] problems
/// in file order, each at the line where its row starts (the header being line 1), and how
/// many more there were. Its message lists them one per line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    pub errors: Vec<LineError>,
    pub omitted: usize,
}

impl ImportError {
    fn from_problems(problems: Problems) -> ImportError {
        let (errors, omitted) = problems.into_parts();
        ImportError { errors, omitted }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_problems(f, &self.errors, self.omitted)
    }
}

impl std::error::Error for ImportError {}

const UNTERMINATED: &str = "unterminated quoted field";

/// Reads every row of a `stock_sources` import file.
///
/// Guarantees on success: one row per data row, in file order; every source code valid per
/// [`validate_source_code`]; every SKU valid per [`validate_sku`], taken as written (a padded
/// SKU is an error, never trimmed); every status 0 or 1; every quantity exact and in range
/// per [`Qty::parse`]; no two rows for the same source and SKU (SKUs compared
/// case-insensitively). A header without data rows gives no rows.
///
/// On failure, every row has been checked and the error lists the problems, each at the line
/// where its row starts: a missing or repeated column in the header, bad values (all of a
/// row's, not only the first), a row whose field count differs from the header's, a pair
/// already on an earlier line (naming that line), and a quoted field left open at the end of
/// the file.
pub fn parse_source_items(csv: &str) -> Result<Vec<SourceItemRow>, ImportError> {
    let open_quote = open_quote_line(csv);
    if open_quote == Some(1) {
        return Err(ImportError::from_problems(Problems::single(
            1,
            UNTERMINATED.to_string(),
        )));
    }

    let mut reader = ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| ImportError::from_problems(Problems::single(1, e.to_string())))?
        .clone();
    let columns = Columns::locate(&header).map_err(ImportError::from_problems)?;

    let mut problems = Problems::new();
    let mut rows = Vec::new();
    let mut line_by_pair: HashMap<(String, String), u64> = HashMap::new();
    let mut record = StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(1, |p| p.line());
                problems.push(line, e.to_string());
                break;
            }
        }
        let line = record.position().map_or(1, |p| record_line(csv, p));
        if open_quote == Some(line) {
            problems.push(line, UNTERMINATED.to_string());
            break;
        }
        if record.len() != header.len() {
            let fields = if record.len() == 1 { "field" } else { "fields" };
            problems.push(
                line,
                format!(
                    "has {} {fields}, the header has {}",
                    record.len(),
                    header.len()
                ),
            );
            continue;
        }
        let Some(row) = columns.row(&record, line, &mut problems) else {
            continue;
        };

        let pair = (row.source_code.clone(), sku_key(&row.sku));
        match line_by_pair.get(&pair) {
            Some(first) => problems.push(
                line,
                format!(
                    "SKU {:?} at source {:?} is already on line {first}",
                    row.sku, row.source_code
                ),
            ),
            None => {
                line_by_pair.insert(pair, line);
                rows.push(row);
            }
        }
    }

    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(ImportError::from_problems(problems))
    }
}

/// Where the columns that the reader uses sit in a row.
struct Columns {
    source_code: usize,
    sku: usize,
    quantity: usize,
    status: Option<usize>,
}

impl Columns {
    /// Finds the columns by name; fails on the header line when a required one is missing or
    /// a used one appears twice.
    fn locate(header: &StringRecord) -> Result<Columns, Problems> {
        let mut found: HashMap<&str, usize> = HashMap::new();
        for (index, name) in header.iter().enumerate() {
            let used = REQUIRED_COLUMNS.contains(&name) || name == "status";
            if used && found.insert(name, index).is_some() {
                return Err(Problems::single(1, format!("column {name} appears twice")));
            }
        }

        let missing: Vec<&str> = REQUIRED_COLUMNS
            .into_iter()
            .filter(|name| !found.contains_key(name))
            .collect();
        if !missing.is_empty() {
            let columns = if missing.len() == 1 {
                "column"
            } else {
                "columns"
            };
            return Err(Problems::single(
                1,
                format!(
                    "missing {columns} {}: the header must name source_code, sku and quantity \
                     (status is optional)",
                    missing.join(", ")
                ),
            ));
        }

        Ok(Columns {
            source_code: found["source_code"],
            sku: found["sku"],
            quantity: found["quantity"],
            status: found.get("status").copied(),
        })
    }

    /// The source item of one row, or `None` after recording each of its problems.
    fn row(
        &self,
        record: &StringRecord,
        line: u64,
        problems: &mut Problems,
    ) -> Option<SourceItemRow> {
        let before = problems.count();
        let field = |i: usize| record.get(i).unwrap_or("");

        let source_code = field(self.source_code);
        if let Err(e) = validate_source_code(source_code) {
            problems.push(line, e.to_string());
        }
        let sku = field(self.sku);
        if let Err(e) = validate_sku(sku) {
            problems.push(line, e.to_string());
        }
        let status = match self.status.map(field) {
            None => Some(DEFAULT_STATUS),
            Some("0") => Some(0),
            Some("1") => Some(1),
            Some(other) => {
                problems.push(
                    line,
                    format!(
                        "status {} must be 0 (out of stock) or 1 (in stock)",
                        crate::shown(other)
                    ),
                );
                None
            }
        };
        let text = field(self.quantity);
        let quantity = match Qty::parse(text) {
            Ok(qty) => Some(qty),
            Err(QtyError::Empty) if text.is_empty() => {
                problems.push(line, "quantity is empty".to_string());
                None
            }
            Err(e) => {
                problems.push(
                    line,
                    format!("quantity {} {}", crate::shown(text), e.reason()),
                );
                None
            }
        };

        if problems.count() != before {
            return None;
        }
        Some(SourceItemRow {
            line,
            source_code: source_code.to_string(),
            sku: sku.to_string(),
            status: status?,
            quantity: quantity?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EU_US: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/msi-import/stock_sources_eu_us.csv"
    );
    const SAMPLE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/msi-import/stock_sources_sample.csv"
    );

    fn q(s: &str) -> Qty {
        Qty::parse(s).unwrap()
    }

    fn read(path: &str) -> String {
        std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("the MSI import sample must be at {path}: {e}"))
    }

    fn item(line: u64, source_code: &str, sku: &str, status: i16, quantity: &str) -> SourceItemRow {
        SourceItemRow {
            line,
            source_code: source_code.into(),
            sku: sku.into(),
            status,
            quantity: q(quantity),
        }
    }

    fn messages(csv: &str) -> Vec<String> {
        parse_source_items(csv)
            .unwrap_err()
            .errors
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn the_eu_us_sample_reads_as_four_source_items() {
        assert_eq!(
            parse_source_items(&read(EU_US)).unwrap_or_else(|e| panic!("{e}")),
            [
                item(2, "eu-1", "SKU-1", 1, "6.88"),
                item(3, "eu-2", "SKU-1", 1, "5"),
                item(4, "us-1", "SKU-2", 1, "15"),
                item(5, "eu-1", "SKU-2", 1, "33"),
            ]
        );
    }

    #[test]
    fn the_magento_sample_reads_as_four_source_items() {
        assert_eq!(
            parse_source_items(&read(SAMPLE)).unwrap_or_else(|e| panic!("{e}")),
            [
                item(2, "default", "sku1", 1, "10.1"),
                item(3, "default", "sku2", 1, "10.55"),
                item(4, "source-1", "sku3", 1, "10"),
                item(5, "source-2", "sku4", 1, "15"),
            ]
        );
    }

    #[test]
    fn without_a_status_column_every_row_is_in_stock() {
        assert_eq!(
            parse_source_items("source_code,sku,quantity\ndefault,A,2\n").unwrap(),
            [item(2, "default", "A", 1, "2")]
        );
    }

    #[test]
    fn columns_are_found_by_name_in_any_order_and_extra_ones_are_ignored() {
        let csv = "quantity,note,status,sku,source_code\n\"1.5\",\"a, b\",0,\"24-MB01\",eu-1\n";
        assert_eq!(
            parse_source_items(csv).unwrap(),
            [item(2, "eu-1", "24-MB01", 0, "1.5")]
        );
    }

    #[test]
    fn a_quoted_sku_may_hold_commas_and_quotes() {
        let csv = "source_code,sku,status,quantity\ndefault,\"A,\"\"B\"\"\",1,-3\n";
        assert_eq!(
            parse_source_items(csv).unwrap(),
            [item(2, "default", "A,\"B\"", 1, "-3")]
        );
    }

    #[test]
    fn a_missing_column_is_an_error_on_the_header_line() {
        assert_eq!(
            messages("source_code,sku,status\ndefault,A,1\n"),
            [
                "line 1: missing column quantity: the header must name source_code, sku and \
              quantity (status is optional)"
            ]
        );
        assert_eq!(
            messages(""),
            [
                "line 1: missing columns source_code, sku, quantity: the header must name \
              source_code, sku and quantity (status is optional)"
            ]
        );
        assert_eq!(
            messages("source_code,sku,quantity,sku\na,b,1,c\n"),
            ["line 1: column sku appears twice"]
        );
    }

    #[test]
    fn a_header_without_rows_is_an_empty_import() {
        assert_eq!(
            parse_source_items("source_code,sku,status,quantity\n"),
            Ok(vec![])
        );
    }

    #[test]
    fn empty_and_space_padded_skus_are_errors_not_trimmed() {
        let csv = "source_code,sku,status,quantity\ndefault,,1,1\ndefault, A,1,1\ndefault,A ,1,1\n";
        assert_eq!(
            messages(csv),
            [
                "line 2: SKU must not be empty",
                "line 3: SKU \" A\" has leading or trailing whitespace",
                "line 4: SKU \"A \" has leading or trailing whitespace",
            ]
        );
    }

    #[test]
    fn bad_source_codes_are_errors() {
        let csv = "source_code,sku,status,quantity\n,A,1,1\neu west,A,1,1\n";
        assert_eq!(
            messages(csv),
            [
                "line 2: source code must not be empty",
                "line 3: source code \"eu west\" must not contain whitespace",
            ]
        );
    }

    #[test]
    fn a_status_other_than_0_or_1_is_an_error() {
        let csv = "source_code,sku,status,quantity\nd,A,2,1\nd,B,,1\nd,C,true,1\nd,D, 1,1\n";
        assert_eq!(
            messages(csv),
            [
                "line 2: status \"2\" must be 0 (out of stock) or 1 (in stock)",
                "line 3: status \"\" must be 0 (out of stock) or 1 (in stock)",
                "line 4: status \"true\" must be 0 (out of stock) or 1 (in stock)",
                "line 5: status \" 1\" must be 0 (out of stock) or 1 (in stock)",
            ]
        );
    }

    #[test]
    fn quantities_must_be_exact_numbers_in_range() {
        let csv = "source_code,sku,status,quantity\n\
                   d,A,1,abc\nd,B,1,NaN\nd,C,1,1e9\nd,D,1,1.00001\nd,E,1,\nd,F,1,Infinity\n";
        assert_eq!(
            messages(csv),
            [
                "line 2: quantity \"abc\" is not a number",
                "line 3: quantity \"NaN\" is not a number",
                "line 4: quantity \"1e9\" is out of range (absolute value must be below 100000000)",
                "line 5: quantity \"1.00001\" has more than 4 decimal places",
                "line 6: quantity is empty",
                "line 7: quantity \"Infinity\" is infinite",
            ]
        );
    }

    #[test]
    fn every_problem_of_a_row_is_reported() {
        assert_eq!(
            messages("source_code,sku,status,quantity\na b, X,5,x\n"),
            [
                "line 2: source code \"a b\" must not contain whitespace",
                "line 2: SKU \" X\" has leading or trailing whitespace",
                "line 2: status \"5\" must be 0 (out of stock) or 1 (in stock)",
                "line 2: quantity \"x\" is not a number",
            ]
        );
    }

    #[test]
    fn a_repeated_pair_in_any_case_is_an_error_naming_both_lines() {
        let csv =
            "source_code,sku,status,quantity\neu-1,abc-1,1,1\neu-2,ABC-1,1,1\neu-1,ABC-1,0,3\n";
        assert_eq!(
            messages(csv),
            ["line 4: SKU \"ABC-1\" at source \"eu-1\" is already on line 2"]
        );
    }

    #[test]
    fn a_row_with_the_wrong_number_of_fields_is_an_error() {
        assert_eq!(
            messages("source_code,sku,quantity\nd,A,1\nd,B,2,3\nd\n"),
            [
                "line 3: has 4 fields, the header has 3",
                "line 4: has 1 field, the header has 3"
            ]
        );
    }

    #[test]
    fn line_numbers_count_quoted_line_breaks_empty_lines_and_crlf() {
        let csv = "source_code,sku,quantity\r\nd,\"two\nlines\",1\r\n\r\nd,B,x\r\n";
        assert_eq!(messages(csv), ["line 5: quantity \"x\" is not a number"]);
    }

    #[test]
    fn an_unterminated_quoted_field_is_reported_where_its_row_starts() {
        assert_eq!(
            messages("source_code,sku,quantity\nd,A,1\nd,\"B,1\nd,C,2\n"),
            ["line 3: unterminated quoted field"]
        );
        assert_eq!(
            messages("source_code,\"sku,quantity\n"),
            ["line 1: unterminated quoted field"]
        );
    }

    #[test]
    fn one_bad_row_among_ten_thousand_is_reported_alone_by_its_line() {
        let mut csv = String::from("source_code,sku,status,quantity\n");
        for i in 0..10_000 {
            if i == 6_000 {
                csv.push_str("default,SKU-BAD,1,12.34567\n");
            }
            csv.push_str(&format!("default,SKU-{i},1,{}.5\n", i % 100));
        }

        let error = parse_source_items(&csv).unwrap_err();
        assert_eq!(error.omitted, 0);
        assert_eq!(
            error.to_string(),
            "line 6002: quantity \"12.34567\" has more than 4 decimal places"
        );

        let good = csv.replace("default,SKU-BAD,1,12.34567\n", "");
        let rows = parse_source_items(&good).unwrap();
        assert_eq!(rows.len(), 10_000);
        assert_eq!(rows[9_999], item(10_001, "default", "SKU-9999", 1, "99.5"));
    }

    #[test]
    fn at_most_twenty_errors_are_listed_and_the_rest_counted() {
        let mut csv = String::from("source_code,sku,quantity\n");
        for i in 0..23 {
            csv.push_str(&format!("d,S{i},bad\n"));
        }
        let error = parse_source_items(&csv).unwrap_err();
        assert_eq!((error.errors.len(), error.omitted), (20, 3));
        assert!(error
            .to_string()
            .ends_with("line 21: quantity \"bad\" is not a number\n... and 3 more errors"));
    }

    #[test]
    fn a_byte_order_mark_before_the_header_is_ignored() {
        let rows = parse_source_items("\u{feff}source_code,sku,quantity\nd,A,1\n").unwrap();
        assert_eq!(rows, [item(2, "d", "A", 1, "1")]);
    }

    #[test]
    fn odd_input_is_rejected_without_panicking() {
        for text in [
            "\"",
            "\"\"\"",
            ",,,\n,,,",
            "source_code,sku,quantity\n\"",
            "source_code,sku,quantity\n\n\n",
            "source_code,sku,quantity\r\r\r",
            "\u{feff}",
            "source_code,sku,quantity\n,,",
        ] {
            let _ = parse_source_items(text);
        }
    }
}
