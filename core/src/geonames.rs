//! The reader of a GeoNames postal-code file (`US.txt`, `allCountries.txt`, ... from
//! download.geonames.org/export/zip), the rows of `geoname` that place a shipping address
//! for the distance algorithm.
//!
//! The format: one postal code per line, no header, 12 tab-separated columns (country code,
//! postal code, place name, admin1 name, admin1 code, admin2 name, admin2 code, admin3 name,
//! admin3 code, latitude, longitude, accuracy), no quoting: a `"` is plain text.

use std::collections::HashMap;
use std::fmt;

use csv::{ReaderBuilder, StringRecord};

use crate::catalog::LineError;
use crate::csv_lines::{record_line, write_problems, Problems};

/// The number of columns of a GeoNames postal-code row.
pub const COLUMNS: usize = 12;

/// One postal code, placed: its place name as the city, its first-level division as the
/// region (name and code) and its second-level division as the province.
#[derive(Clone, Debug, PartialEq)]
pub struct PostalCode {
    pub country_code: String,
    pub postcode: String,
    pub city: String,
    pub region: String,
    pub region_code: String,
    pub province: String,
    pub latitude: f64,
    pub longitude: f64,
}

/// Why a GeoNames file is rejected: the first [`crate::catalog::MAX_LISTED_ERRORS`] problems
/// in file order, each at its line (the first line being line 1), and how many more there
/// were. Its message lists them one per line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeonamesError {
    pub errors: Vec<LineError>,
    pub omitted: usize,
}

impl fmt::Display for GeonamesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_problems(f, &self.errors, self.omitted)
    }
}

impl std::error::Error for GeonamesError {}

/// Reads every postal code of a GeoNames postal-code file.
///
/// Guarantees on success: one row per line, in file order; every country code two ASCII
/// capital letters; every postal code non-blank and, with its country, distinct from every
/// other row's; every latitude finite and within [-90, 90], every longitude finite and
/// within [-180, 180]. Texts are kept as written, untrimmed; the place and division names
/// may be empty; the accuracy column is not read. Empty lines (a blank last line, say) are
/// skipped.
///
/// On failure, every line has been checked and the error lists the problems, each with its
/// line: a row without exactly 12 columns, a bad country code, a blank postal code, a
/// latitude or longitude that is not a number or out of range (all of a row's problems, not
/// only the first), and a repeated (country, postal code) pair, naming the line that had it
/// first.
pub fn parse_geonames(tsv: &str) -> Result<Vec<PostalCode>, GeonamesError> {
    let mut reader = ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .has_headers(false)
        // The column count is checked below, on every row, against 12 rather than against
        // the first row, so that one short first row does not flag every good row after it.
        .flexible(true)
        .from_reader(tsv.as_bytes());

    let mut problems = Problems::new();
    let mut rows = Vec::new();
    let mut line_by_code: HashMap<(String, String), u64> = HashMap::new();
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
        let line = record.position().map_or(1, |p| record_line(tsv, p));
        let Some(row) = postal_code(&record, line, &mut problems) else {
            continue;
        };

        let key = (row.country_code.clone(), row.postcode.clone());
        match line_by_code.get(&key) {
            Some(first) => problems.push(
                line,
                format!(
                    "postal code {} {:?} is already on line {first}",
                    row.country_code, row.postcode
                ),
            ),
            None => {
                line_by_code.insert(key, line);
                rows.push(row);
            }
        }
    }

    if problems.is_empty() {
        Ok(rows)
    } else {
        let (errors, omitted) = problems.into_parts();
        Err(GeonamesError { errors, omitted })
    }
}

/// The postal code of one row, or `None` after recording each of its problems.
fn postal_code(record: &StringRecord, line: u64, problems: &mut Problems) -> Option<PostalCode> {
    if record.len() != COLUMNS {
        let columns = if record.len() == 1 {
            "column"
        } else {
            "columns"
        };
        problems.push(
            line,
            format!(
                "has {} {columns}, a GeoNames postal-code row has {COLUMNS} separated by tabs",
                record.len()
            ),
        );
        return None;
    }
    let before = problems.count();
    let field = |i: usize| record.get(i).unwrap_or("");

    let country_code = field(0);
    if !(country_code.len() == 2 && country_code.bytes().all(|b| b.is_ascii_uppercase())) {
        problems.push(
            line,
            format!(
                "country code {} must be two capital letters, such as US",
                crate::shown(country_code)
            ),
        );
    }
    let postcode = field(1);
    if postcode.trim().is_empty() {
        problems.push(line, "postal code must not be empty".to_string());
    }
    let latitude = coordinate(field(9), "latitude", 90.0, line, problems);
    let longitude = coordinate(field(10), "longitude", 180.0, line, problems);

    if problems.count() != before {
        return None;
    }
    Some(PostalCode {
        country_code: country_code.to_string(),
        postcode: postcode.to_string(),
        city: field(2).to_string(),
        region: field(3).to_string(),
        region_code: field(4).to_string(),
        province: field(5).to_string(),
        latitude: latitude?,
        longitude: longitude?,
    })
}

/// A coordinate in degrees, finite and within [-limit, limit], or `None` after recording why
/// not.
fn coordinate(
    text: &str,
    name: &str,
    limit: f64,
    line: u64,
    problems: &mut Problems,
) -> Option<f64> {
    if text.is_empty() {
        problems.push(line, format!("{name} is empty"));
        return None;
    }
    let quoted: String = text.chars().take(40).collect();
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && (-limit..=limit).contains(&value) => Some(value),
        Ok(value) if value.is_finite() => {
            problems.push(
                line,
                format!("{name} {quoted} is outside [-{limit}, {limit}]"),
            );
            None
        }
        Ok(_) => {
            problems.push(line, format!("{name} {quoted:?} is not a finite number"));
            None
        }
        Err(_) => {
            problems.push(line, format!("{name} {quoted:?} is not a number"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const US: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/geonames/US.txt"
    );

    /// A row as GeoNames writes it, with these values in the columns that are read.
    fn tsv_row(country: &str, postcode: &str, latitude: &str, longitude: &str) -> String {
        format!(
            "{country}\t{postcode}\tNew York\tNY\tNY\tNew York County\t061\t\t\t{latitude}\t{longitude}\t4\n"
        )
    }

    fn messages(tsv: &str) -> Vec<String> {
        parse_geonames(tsv)
            .unwrap_err()
            .errors
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn the_us_file_has_42789_postal_codes_with_10001_in_new_york() {
        let text = std::fs::read_to_string(US)
            .unwrap_or_else(|e| panic!("the GeoNames US file must be at {US}: {e}"));
        let rows = parse_geonames(&text).unwrap_or_else(|e| panic!("{e}"));

        assert_eq!(rows.len(), 42_789);
        let manhattan = rows.iter().find(|r| r.postcode == "10001").unwrap();
        assert_eq!(
            manhattan,
            &PostalCode {
                country_code: "US".into(),
                postcode: "10001".into(),
                city: "New York".into(),
                region: "NY".into(),
                region_code: "NY".into(),
                province: "New York County".into(),
                latitude: 40.7484,
                longitude: -73.9967,
            }
        );
        assert_eq!(rows[0].postcode, "00501");
        assert_eq!(rows.last().unwrap().city, "Ketchikan");
    }

    #[test]
    fn a_row_reads_into_its_columns_untrimmed() {
        let text = "CA\tT0A 0A0\tAthabasca\tAlberta\tAB\t\t\t\t\t54.7167\t-113.2833\t\n";
        assert_eq!(
            parse_geonames(text).unwrap(),
            [PostalCode {
                country_code: "CA".into(),
                postcode: "T0A 0A0".into(),
                city: "Athabasca".into(),
                region: "Alberta".into(),
                region_code: "AB".into(),
                province: String::new(),
                latitude: 54.7167,
                longitude: -113.2833,
            }]
        );
    }

    #[test]
    fn a_quote_is_plain_text_and_empty_lines_are_skipped() {
        let text = format!(
            "{}\n\r\n{}\n",
            tsv_row("US", "\"10001", "40.7484", "-73.9967").trim_end(),
            tsv_row("US", "10002", "40.7152", "-73.9877")
        );
        let rows = parse_geonames(&text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].postcode, "\"10001");
        assert_eq!(parse_geonames("").unwrap(), []);
        assert_eq!(parse_geonames("\n\n").unwrap(), []);
    }

    #[test]
    fn crlf_line_endings_and_a_last_line_without_one_are_read() {
        let text = format!(
            "{}\r\n{}",
            tsv_row("US", "10001", "40.7484", "-73.9967").trim_end(),
            tsv_row("US", "10002", "40.7152", "-73.9877").trim_end()
        );
        let rows = parse_geonames(&text).unwrap();
        assert_eq!(rows[1].longitude, -73.9877);
    }

    #[test]
    fn a_row_without_twelve_columns_is_an_error() {
        let good = tsv_row("US", "10001", "40.7484", "-73.9967");
        let text = format!(
            "US\t10000\tNew York\n{good}US,10002,x\n{}",
            good.trim_end().to_string() + "\textra\n"
        );
        assert_eq!(
            messages(&text),
            [
                "line 1: has 3 columns, a GeoNames postal-code row has 12 separated by tabs",
                "line 3: has 1 column, a GeoNames postal-code row has 12 separated by tabs",
                "line 4: has 13 columns, a GeoNames postal-code row has 12 separated by tabs",
            ]
        );
    }

    #[test]
    fn bad_country_codes_and_blank_postal_codes_are_errors() {
        let text = [
            tsv_row("us", "1", "0", "0"),
            tsv_row("USA", "2", "0", "0"),
            tsv_row("", "3", "0", "0"),
            tsv_row("ÜS", "4", "0", "0"),
            tsv_row("US", "", "0", "0"),
            tsv_row("US", "  ", "0", "0"),
        ]
        .concat();
        assert_eq!(
            messages(&text),
            [
                "line 1: country code \"us\" must be two capital letters, such as US",
                "line 2: country code \"USA\" must be two capital letters, such as US",
                "line 3: country code \"\" must be two capital letters, such as US",
                "line 4: country code \"ÜS\" must be two capital letters, such as US",
                "line 5: postal code must not be empty",
                "line 6: postal code must not be empty",
            ]
        );
    }

    #[test]
    fn coordinates_must_be_finite_numbers_in_range() {
        let text = [
            tsv_row("US", "1", "90", "-180"),
            tsv_row("US", "2", "90.0001", "0"),
            tsv_row("US", "3", "0", "-180.5"),
            tsv_row("US", "4", "NaN", "inf"),
            tsv_row("US", "5", "", "40,5"),
            tsv_row("US", "6", "1e400", " 1"),
        ]
        .concat();
        assert_eq!(
            messages(&text),
            [
                "line 2: latitude 90.0001 is outside [-90, 90]",
                "line 3: longitude -180.5 is outside [-180, 180]",
                "line 4: latitude \"NaN\" is not a finite number",
                "line 4: longitude \"inf\" is not a finite number",
                "line 5: latitude is empty",
                "line 5: longitude \"40,5\" is not a number",
                "line 6: latitude \"1e400\" is not a finite number",
                "line 6: longitude \" 1\" is not a number",
            ]
        );
    }

    #[test]
    fn a_repeated_postal_code_names_both_lines() {
        let text = [
            tsv_row("US", "10001", "40.7484", "-73.9967"),
            tsv_row("CA", "10001", "45.0", "-75.0"),
            tsv_row("US", "10002", "40.7152", "-73.9877"),
            tsv_row("US", "10001", "40.0", "-74.0"),
        ]
        .concat();
        assert_eq!(
            messages(&text),
            ["line 4: postal code US \"10001\" is already on line 1"]
        );
    }

    #[test]
    fn line_numbers_count_skipped_empty_lines() {
        let text = format!(
            "{}\n\n{}",
            tsv_row("US", "1", "0", "0"),
            tsv_row("US", "2", "91", "0")
        );
        assert_eq!(
            messages(&text),
            ["line 4: latitude 91 is outside [-90, 90]"]
        );
    }

    #[test]
    fn at_most_twenty_errors_are_listed_and_the_rest_counted() {
        let text: String = (0..25)
            .map(|i| tsv_row("US", &i.to_string(), "x", "0"))
            .collect();
        let error = parse_geonames(&text).unwrap_err();
        assert_eq!((error.errors.len(), error.omitted), (20, 5));
        assert!(error
            .to_string()
            .ends_with("line 20: latitude \"x\" is not a number\n... and 5 more errors"));
    }

    #[test]
    fn odd_input_is_rejected_without_panicking() {
        for text in [
            "\t",
            "\"",
            "\u{feff}",
            "\r\r\r",
            "US\t\t\t\t\t\t\t\t\t\t\t",
            "\t\n\t\t",
        ] {
            let _ = parse_geonames(text);
        }
        let with_bom = format!("\u{feff}{}", tsv_row("US", "1", "0", "0"));
        assert_eq!(parse_geonames(&with_bom).unwrap()[0].country_code, "US");
    }
}
