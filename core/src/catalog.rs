//! The reader of a Magento `catalog_product` CSV export, the migration path of legacy stock
//! data: each product's type, quantity, stock status and stock settings.
//!
//! Columns are found by their header names, in any order; columns this reader does not use
//! are ignored, and only `sku` must be present. A setting whose `use_config_*` flag is 1 is
//! read as `None`, so that the database default applies, as it does in Magento. Rows that
//! belong to a store view (a non-empty `store_view_code`) carry no stock data and are
//! skipped. The whole file is validated before anything is returned.

use std::collections::HashMap;
use std::fmt;

use csv::{ByteRecord, Position, ReaderBuilder, StringRecord};

use crate::qty::Qty;
use crate::sku::{sku_key, validate_sku};

/// The product types a catalog may name, the types that carry source items first.
pub const PRODUCT_TYPES: [&str; 6] = [
    "simple",
    "virtual",
    "downloadable",
    "configurable",
    "bundle",
    "grouped",
];

/// The type of a product whose `product_type` is absent or empty.
pub const DEFAULT_PRODUCT_TYPE: &str = "simple";

/// The most line errors a [`CatalogError`] lists; it counts the rest.
pub const MAX_LISTED_ERRORS: usize = 20;

/// Whether products of this type hold stock in sources (`simple`, `virtual`,
/// `downloadable`). Composite types (`configurable`, `bundle`, `grouped`) have settings but
/// no source items: their stock is their children's.
pub fn carries_source_items(type_id: &str) -> bool {
    matches!(type_id, "simple" | "virtual" | "downloadable")
}

/// Whether `type_id` is one of [`PRODUCT_TYPES`].
pub fn is_product_type(type_id: &str) -> bool {
    PRODUCT_TYPES.contains(&type_id)
}

/// One product of the export. A field is `None` when its column is absent or empty, or when
/// its `use_config_*` flag is 1; the database default applies then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogProduct {
    /// The line of the file where the product's row starts (the header is line 1).
    pub line: u64,
    pub sku: String,
    pub type_id: String,
    pub qty: Option<Qty>,
    pub is_in_stock: Option<bool>,
    pub manage_stock: Option<bool>,
    pub backorders: Option<i16>,
    pub min_qty: Option<Qty>,
    pub min_sale_qty: Option<Qty>,
    pub max_sale_qty: Option<Qty>,
    pub enable_qty_increments: Option<bool>,
    pub qty_increments: Option<Qty>,
    pub is_qty_decimal: Option<bool>,
    pub notify_stock_qty: Option<Qty>,
    /// The product's name, for reports; `None` when the column is absent or empty.
    pub name: Option<String>,
}

/// One problem in the file, at the line where the offending row starts. Lines end at each
/// line feed (`\n` or `\r\n`); a file of lone carriage returns counts as one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Why a catalog file is rejected: the first [`MAX_LISTED_ERRORS`] problems in file order,
/// and how many more there were. Its message lists them one per line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogError {
    pub errors: Vec<LineError>,
    pub omitted: usize,
}

impl CatalogError {
    fn single(line: u64, message: String) -> CatalogError {
        CatalogError {
            errors: vec![LineError { line, message }],
            omitted: 0,
        }
    }

    fn push(&mut self, line: u64, message: String) {
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(LineError { line, message });
        } else {
            self.omitted += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Every problem found so far, listed or not.
    fn count(&self) -> usize {
        self.errors.len() + self.omitted
    }
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        if self.omitted > 0 {
            write!(f, "\n... and {} more errors", self.omitted)?;
        }
        Ok(())
    }
}

impl std::error::Error for CatalogError {}

/// Reads every product of a `catalog_product` export.
///
/// Guarantees on success: one product per row without a store view, in file order; every
/// SKU valid per [`validate_sku`] and distinct from the others case-insensitively; every
/// type one of [`PRODUCT_TYPES`]; every quantity exact and in range, flags 0 or 1,
/// backorders 0, 1 or 2. On failure, every row has been checked and the error lists the
/// problems, each at the line where its row starts: bad values (all of a row's, not only
/// the first), repeated SKUs, rows whose field count differs from the header's, and a quoted
/// field left open at the end of the file.
pub fn parse_catalog(csv_text: &str) -> Result<Vec<CatalogProduct>, CatalogError> {
    let open_quote_line = unterminated_quote_line(csv_text);
    if open_quote_line == Some(1) {
        return Err(CatalogError::single(1, UNTERMINATED.to_string()));
    }

    let mut reader = ReaderBuilder::new()
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| CatalogError::single(1, e.to_string()))?
        .clone();
    let columns = Columns::locate(&header)?;

    let mut errors = CatalogError {
        errors: Vec::new(),
        omitted: 0,
    };
    let mut products = Vec::new();
    let mut line_by_key: HashMap<String, u64> = HashMap::new();
    let mut record = StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(1, |p| p.line());
                errors.push(line, e.to_string());
                break;
            }
        }
        let line = record.position().map_or(1, |p| record_start(csv_text, p).1);
        if open_quote_line == Some(line) {
            errors.push(line, UNTERMINATED.to_string());
            break;
        }
        if record.len() != header.len() {
            let fields = if record.len() == 1 { "field" } else { "fields" };
            let message = format!(
                "has {} {fields}, the header has {}",
                record.len(),
                header.len()
            );
            errors.push(line, message);
            continue;
        }
        if !columns.text(&record, "store_view_code").is_empty() {
            continue;
        }

        let row = Row {
            record: &record,
            columns: &columns,
            line,
            errors: &mut errors,
        };
        let Some(product) = row.product() else {
            continue;
        };
        match line_by_key.get(&sku_key(&product.sku)) {
            Some(first) => errors.push(
                line,
                format!("SKU {:?} is already on line {first}", product.sku),
            ),
            None => {
                line_by_key.insert(sku_key(&product.sku), line);
                products.push(product);
            }
        }
    }

    if errors.is_empty() {
        Ok(products)
    } else {
        Err(errors)
    }
}

const UNTERMINATED: &str = "unterminated quoted field";

/// The line where the last record starts when that record ends inside a quoted field.
///
/// The csv reader ends such a record silently at the end of the input, so the check parses
/// that record again followed by a newline, a quote and a newline: inside a quoted field
/// the quote closes it and one record comes back, otherwise the quote opens a second one.
fn unterminated_quote_line(text: &str) -> Option<u64> {
    let builder = || {
        let mut builder = ReaderBuilder::new();
        builder.has_headers(false).flexible(true);
        builder
    };

    let mut reader = builder().from_reader(text.as_bytes());
    let mut record = ByteRecord::new();
    let mut last_start = None;
    while reader.read_byte_record(&mut record).ok()? {
        last_start = record.position().map(|p| record_start(text, p));
    }
    let (byte, line) = last_start?;

    let tail = format!("{}\n\"\n", &text[byte..]);
    let records = builder()
        .from_reader(tail.as_bytes())
        .byte_records()
        .count();
    (records == 1).then_some(line)
}

/// The byte offset and line where a record really starts. The csv reader's position is
/// where it began reading, before the empty lines that it skips ahead of a record.
fn record_start(text: &str, position: &Position) -> (usize, u64) {
    let from = usize::try_from(position.byte())
        .unwrap_or(usize::MAX)
        .min(text.len());
    let skipped = text[from..]
        .bytes()
        .take_while(|b| matches!(b, b'\r' | b'\n'));
    let (bytes, newlines) = skipped.fold((0, 0), |(bytes, newlines), b| {
        (bytes + 1, newlines + u64::from(b == b'\n'))
    });
    (from + bytes, position.line() + newlines)
}

/// The column names that the reader uses; each may appear at most once in the header.
const USED_COLUMNS: [&str; 23] = [
    "sku",
    "store_view_code",
    "product_type",
    "qty",
    "is_in_stock",
    "manage_stock",
    "use_config_manage_stock",
    "allow_backorders",
    "use_config_backorders",
    "out_of_stock_qty",
    "use_config_min_qty",
    "min_cart_qty",
    "use_config_min_sale_qty",
    "max_cart_qty",
    "use_config_max_sale_qty",
    "enable_qty_increments",
    "use_config_enable_qty_inc",
    "qty_increments",
    "use_config_qty_increments",
    "is_qty_decimal",
    "notify_on_stock_below",
    "use_config_notify_stock_qty",
    "name",
];

/// Where each used column that the header has sits in a row.
struct Columns(HashMap<&'static str, usize>);

impl Columns {
    /// Finds the used columns by name; fails when `sku` is missing or a used column repeats.
    fn locate(header: &StringRecord) -> Result<Columns, CatalogError> {
        let mut found = HashMap::new();
        for (index, name) in header.iter().enumerate() {
            let Some(&name) = USED_COLUMNS.iter().find(|used| **used == name) else {
                continue;
            };
            if found.insert(name, index).is_some() {
                return Err(CatalogError::single(
                    1,
                    format!("column {name} appears twice"),
                ));
            }
        }
        if !found.contains_key("sku") {
            return Err(CatalogError::single(1, "missing column sku".to_string()));
        }
        Ok(Columns(found))
    }

    /// The text of the named column in a row; an absent column reads as empty.
    fn text<'r>(&self, record: &'r StringRecord, name: &str) -> &'r str {
        self.0.get(name).and_then(|&i| record.get(i)).unwrap_or("")
    }
}

/// One data row being read, collecting its problems into the file's error list.
struct Row<'a> {
    record: &'a StringRecord,
    columns: &'a Columns,
    line: u64,
    errors: &'a mut CatalogError,
}

impl<'a> Row<'a> {
    /// The product of this row, or `None` after recording each of its problems.
    fn product(mut self) -> Option<CatalogProduct> {
        let before = self.errors.count();

        let sku = self.text("sku").to_string();
        if let Err(e) = validate_sku(&sku) {
            self.error(e.to_string());
        }
        let product = CatalogProduct {
            line: self.line,
            type_id: self.type_id(),
            qty: self.qty("qty"),
            is_in_stock: self.flag("is_in_stock"),
            manage_stock: self.setting("manage_stock", "use_config_manage_stock", Row::flag),
            backorders: self.setting("allow_backorders", "use_config_backorders", Row::backorders),
            min_qty: self.setting("out_of_stock_qty", "use_config_min_qty", Row::qty),
            min_sale_qty: self.setting("min_cart_qty", "use_config_min_sale_qty", Row::qty),
            max_sale_qty: self.setting("max_cart_qty", "use_config_max_sale_qty", Row::qty),
            enable_qty_increments: self.setting(
                "enable_qty_increments",
                "use_config_enable_qty_inc",
                Row::flag,
            ),
            qty_increments: self.setting("qty_increments", "use_config_qty_increments", Row::qty),
            is_qty_decimal: self.flag("is_qty_decimal"),
            notify_stock_qty: self.setting(
                "notify_on_stock_below",
                "use_config_notify_stock_qty",
                Row::qty,
            ),
            name: Some(self.text("name").to_string()).filter(|n| !n.is_empty()),
            sku,
        };
        self.check_settings(&product);

        (self.errors.count() == before).then_some(product)
    }

    fn error(&mut self, message: String) {
        self.errors.push(self.line, message);
    }

    /// The settings the product table would refuse, reported here with their line.
    fn check_settings(&mut self, p: &CatalogProduct) {
        if let Some(q) = p.min_sale_qty.filter(|q| *q <= Qty::ZERO) {
            self.error(format!("min_cart_qty {q} must be greater than 0"));
        }
        if let Some(q) = p.max_sale_qty.filter(|q| *q < Qty::ZERO) {
            self.error(format!("max_cart_qty {q} must be 0 (no limit) or greater"));
        }
        if let Some(q) = p.qty_increments.filter(|q| *q <= Qty::ZERO) {
            self.error(format!("qty_increments {q} must be greater than 0"));
        }
    }

    fn text(&self, name: &str) -> &'a str {
        self.columns.text(self.record, name)
    }

    fn type_id(&mut self) -> String {
        let text = self.text("product_type");
        if text.is_empty() {
            return DEFAULT_PRODUCT_TYPE.to_string();
        }
        if !is_product_type(text) {
            let types = PRODUCT_TYPES.join(", ");
            self.error(format!(
                "product_type {} is not one of {types}",
                crate::shown(text)
            ));
        }
        text.to_string()
    }

    fn qty(&mut self, name: &str) -> Option<Qty> {
        let text = self.text(name);
        if text.is_empty() {
            return None;
        }
        match Qty::parse(text) {
            Ok(qty) => Some(qty),
            Err(e) => {
                self.error(format!("{name} {} {}", crate::shown(text), e.reason()));
                None
            }
        }
    }

    fn flag(&mut self, name: &str) -> Option<bool> {
        match self.text(name) {
            "" => None,
            "0" => Some(false),
            "1" => Some(true),
            other => {
                self.error(format!("{name} {} must be 0 or 1", crate::shown(other)));
                None
            }
        }
    }

    fn backorders(&mut self, name: &str) -> Option<i16> {
        match self.text(name) {
            "" => None,
            "0" => Some(0),
            "1" => Some(1),
            "2" => Some(2),
            other => {
                self.error(format!("{name} {} must be 0, 1 or 2", crate::shown(other)));
                None
            }
        }
    }

    /// A setting with its `use_config_*` flag: `None` when the flag is 1, else the value.
    fn setting<T>(
        &mut self,
        name: &str,
        use_config: &str,
        read: fn(&mut Self, &str) -> Option<T>,
    ) -> Option<T> {
        if self.flag(use_config) == Some(true) {
            return None;
        }
        read(self, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/magento-sample/catalog_product.csv"
    );

    fn q(s: &str) -> Qty {
        Qty::parse(s).unwrap()
    }

    fn messages(csv_text: &str) -> Vec<String> {
        parse_catalog(csv_text)
            .unwrap_err()
            .errors
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    fn sample() -> String {
        std::fs::read_to_string(SAMPLE)
            .unwrap_or_else(|e| panic!("the Magento sample catalog must be at {SAMPLE}: {e}"))
    }

    #[test]
    fn the_magento_sample_catalog_reads_as_1847_simple_and_147_configurable_products() {
        let products = parse_catalog(&sample()).unwrap_or_else(|e| panic!("{e}"));

        assert_eq!(products.len(), 1_994);
        let count = |t: &str| products.iter().filter(|p| p.type_id == t).count();
        assert_eq!(count("simple"), 1_847);
        assert_eq!(count("configurable"), 147);
    }

    #[test]
    fn sample_products_keep_their_stock_and_defer_configured_settings() {
        let products = parse_catalog(&sample()).unwrap();
        let find = |sku: &str| products.iter().find(|p| p.sku == sku).unwrap().clone();

        let hoodie = find("MH01-XS-Black");
        assert_eq!(
            hoodie,
            CatalogProduct {
                line: 2,
                sku: "MH01-XS-Black".into(),
                type_id: "simple".into(),
                qty: Some(q("100")),
                is_in_stock: Some(true),
                manage_stock: None,
                backorders: None,
                min_qty: None,
                min_sale_qty: None,
                max_sale_qty: None,
                enable_qty_increments: None,
                qty_increments: None,
                is_qty_decimal: Some(false),
                notify_stock_qty: None,
                name: Some("Chaz Kangeroo Hoodie-XS-Black".into()),
            }
        );

        let parent = find("MH01");
        assert_eq!((parent.line, parent.type_id.as_str()), (32, "configurable"));
        assert_eq!(
            (parent.qty, parent.is_in_stock),
            (Some(Qty::ZERO), Some(true))
        );

        // Its row starts on line 3664 of the file, after many descriptions spanning lines.
        let pants = find("WP13-29-Orange");
        assert_eq!(
            (pants.line, pants.qty, pants.is_in_stock),
            (3_664, Some(q("100")), Some(true))
        );

        let last = products.last().unwrap();
        assert_eq!((last.sku.as_str(), last.line), ("WSH12", 3_940));
    }

    const HEADER: &str = "sku,product_type,qty,is_in_stock";

    #[test]
    fn columns_are_found_by_name_in_any_order_and_extra_ones_are_ignored() {
        let csv_text = "name,qty,sku,colour\nBag,\"12.5000\",24-MB01,red\n";
        let products = parse_catalog(csv_text).unwrap();
        assert_eq!(products.len(), 1);
        assert_eq!(products[0].sku, "24-MB01");
        assert_eq!(products[0].qty, Some(q("12.5")));
        assert_eq!(products[0].type_id, "simple");
        assert_eq!(products[0].is_in_stock, None);
        assert_eq!(products[0].line, 2);
    }

    #[test]
    fn a_settings_value_applies_only_when_its_use_config_flag_is_off() {
        let csv_text =
            "sku,min_cart_qty,use_config_min_sale_qty,max_cart_qty,use_config_max_sale_qty,\
                        allow_backorders,use_config_backorders,out_of_stock_qty,use_config_min_qty,\
                        manage_stock,use_config_manage_stock\n\
                        A,2.0000,0,50.0000,1,2,0,-10.0000,0,0,0\n\
                        B,2.0000,1,50.0000,,1,1,-10.0000,1,0,1\n";
        let products = parse_catalog(csv_text).unwrap();

        let a = &products[0];
        assert_eq!(a.min_sale_qty, Some(q("2")));
        assert_eq!(a.max_sale_qty, None, "use_config_max_sale_qty 1");
        assert_eq!(a.backorders, Some(2));
        assert_eq!(a.min_qty, Some(q("-10")));
        assert_eq!(a.manage_stock, Some(false));

        let b = &products[1];
        assert_eq!(b.min_sale_qty, None);
        assert_eq!(
            b.max_sale_qty,
            Some(q("50")),
            "an empty flag does not defer"
        );
        assert_eq!(
            (b.backorders, b.min_qty, b.manage_stock),
            (None, None, None)
        );
    }

    #[test]
    fn increments_decimal_and_notify_settings_are_read() {
        let csv_text = "sku,enable_qty_increments,use_config_enable_qty_inc,qty_increments,\
                        use_config_qty_increments,is_qty_decimal,notify_on_stock_below,\
                        use_config_notify_stock_qty\n\
                        A,1,0,0.5000,0,1,3.0000,0\n";
        let a = &parse_catalog(csv_text).unwrap()[0];
        assert_eq!(a.enable_qty_increments, Some(true));
        assert_eq!(a.qty_increments, Some(q("0.5")));
        assert_eq!(a.is_qty_decimal, Some(true));
        assert_eq!(a.notify_stock_qty, Some(q("3")));
    }

    #[test]
    fn store_view_rows_are_skipped() {
        let csv_text = "sku,store_view_code,qty\nA,,5\nA,default,\nA,fr,oops\nB,,1\n";
        let skus: Vec<String> = parse_catalog(csv_text)
            .unwrap()
            .into_iter()
            .map(|p| p.sku)
            .collect();
        assert_eq!(skus, ["A", "B"]);
    }

    #[test]
    fn a_repeated_sku_in_any_case_is_an_error_naming_both_lines() {
        assert_eq!(
            messages("sku,qty\nabc-1,1\nB,2\nABC-1,3\n"),
            ["line 4: SKU \"ABC-1\" is already on line 2"]
        );
    }

    #[test]
    fn a_missing_sku_column_is_an_error_on_the_header_line() {
        assert_eq!(
            messages("name,qty\nBag,1\n"),
            ["line 1: missing column sku"]
        );
        assert_eq!(messages(""), ["line 1: missing column sku"]);
        assert_eq!(
            messages("sku,qty,qty\nA,1,2\n"),
            ["line 1: column qty appears twice"]
        );
    }

    #[test]
    fn a_bad_quantity_names_the_line_column_and_value() {
        let csv_text = format!("{HEADER}\nA,simple,1,1\nB,simple,abc,1\nC,simple,1.00001,0\n");
        assert_eq!(
            messages(&csv_text),
            [
                "line 3: qty \"abc\" is not a number",
                "line 4: qty \"1.00001\" has more than 4 decimal places"
            ]
        );
    }

    #[test]
    fn line_numbers_count_the_lines_inside_quoted_fields() {
        let csv_text = "sku,description,qty\nA,\"one\ntwo\nthree\",1\nB,\"x, y\",NaN\n";
        assert_eq!(messages(csv_text), ["line 5: qty \"NaN\" is not a number"]);
    }

    #[test]
    fn line_numbers_count_skipped_empty_lines_and_crlf_endings() {
        assert_eq!(
            messages("sku,qty\n\n\nA,x\n"),
            ["line 4: qty \"x\" is not a number"]
        );
        assert_eq!(
            messages("sku,qty\r\nA,1\r\n\r\nB,x\r\n"),
            ["line 4: qty \"x\" is not a number"]
        );
        assert_eq!(
            messages("sku,qty\nA,1\n\n\nB,\"2\n"),
            ["line 5: unterminated quoted field"]
        );
    }

    #[test]
    fn every_bad_row_is_reported_with_its_reason() {
        let csv_text = format!(
            "{HEADER}\n A,simple,1,1\n,simple,1,1\nC,gift,1,1\nD,simple,1,yes\nE,simple,1e9,1\n"
        );
        assert_eq!(
            messages(&csv_text),
            [
                "line 2: SKU \" A\" has leading or trailing whitespace",
                "line 3: SKU must not be empty",
                "line 4: product_type \"gift\" is not one of simple, virtual, downloadable, \
                 configurable, bundle, grouped",
                "line 5: is_in_stock \"yes\" must be 0 or 1",
                "line 6: qty \"1e9\" is out of range (absolute value must be below 100000000)",
            ]
        );
        assert_eq!(
            messages("sku,qty,is_in_stock\nA,x,7\n"),
            [
                "line 2: qty \"x\" is not a number",
                "line 2: is_in_stock \"7\" must be 0 or 1"
            ]
        );
        assert_eq!(
            messages("sku,allow_backorders\nA,3\n"),
            ["line 2: allow_backorders \"3\" must be 0, 1 or 2"]
        );
    }

    #[test]
    fn a_row_with_the_wrong_number_of_fields_is_an_error() {
        assert_eq!(
            messages("sku,qty\nA,1\nB,2,3\nC\n"),
            [
                "line 3: has 3 fields, the header has 2",
                "line 4: has 1 field, the header has 2"
            ]
        );
    }

    #[test]
    fn an_unterminated_quoted_field_is_reported_where_its_row_starts() {
        // 19 rows of two lines each fill lines 2 to 39, so the last row starts on line 40.
        let mut csv_text = String::from("sku,description,qty\n");
        for i in 0..19 {
            csv_text.push_str(&format!("SKU-{i},\"text\nover two lines\",1\n"));
        }
        csv_text.push_str("SKU-LAST,1,\"5\n");
        csv_text.push_str("more,rows,9\n");
        assert_eq!(messages(&csv_text), ["line 40: unterminated quoted field"]);
    }

    #[test]
    fn an_unterminated_quote_in_the_last_column_is_reported() {
        assert_eq!(
            messages("sku,qty\nA,1\nB,\"2\n"),
            ["line 3: unterminated quoted field"]
        );
        assert_eq!(
            messages("sku,qty\nA,\"1\"\"\n"),
            ["line 2: unterminated quoted field"]
        );
        assert_eq!(
            messages("sku,\"qty\n"),
            ["line 1: unterminated quoted field"]
        );
    }

    #[test]
    fn closed_quotes_at_the_end_of_the_file_are_fine() {
        assert_eq!(
            parse_catalog("sku,qty\nA,\"1\"").unwrap()[0].qty,
            Some(q("1"))
        );
        assert_eq!(
            parse_catalog("sku,qty\r\nA,\"1\"\r\n").unwrap()[0].qty,
            Some(q("1"))
        );
        assert_eq!(parse_catalog("sku,qty\nA,1").unwrap()[0].qty, Some(q("1")));
    }

    #[test]
    fn at_most_twenty_errors_are_listed_and_the_rest_counted() {
        let mut csv_text = String::from("sku,qty\n");
        for i in 0..25 {
            csv_text.push_str(&format!("S{i},bad\n"));
        }
        let error = parse_catalog(&csv_text).unwrap_err();
        assert_eq!(error.errors.len(), 20);
        assert_eq!(error.omitted, 5);
        assert_eq!(
            error.errors[0].to_string(),
            "line 2: qty \"bad\" is not a number"
        );
        assert!(error
            .to_string()
            .ends_with("line 21: qty \"bad\" is not a number\n... and 5 more errors"));
    }

    #[test]
    fn a_byte_order_mark_before_the_header_is_ignored() {
        let products = parse_catalog("\u{feff}sku,qty\nA,1\n").unwrap();
        assert_eq!(products[0].sku, "A");
    }

    #[test]
    fn a_header_without_rows_is_an_empty_catalog() {
        assert_eq!(parse_catalog("sku,qty\n"), Ok(vec![]));
    }

    #[test]
    fn composite_types_carry_no_source_items() {
        for t in ["simple", "virtual", "downloadable"] {
            assert!(carries_source_items(t), "{t}");
        }
        for t in ["configurable", "bundle", "grouped", "unknown"] {
            assert!(!carries_source_items(t), "{t}");
        }
        assert!(PRODUCT_TYPES.iter().all(|t| is_product_type(t)));
        assert!(!is_product_type("Simple"));
    }

    #[test]
    fn odd_input_is_rejected_without_panicking() {
        for text in [
            "\"",
            "\"\"\"",
            ",,,\n,,,",
            "sku\n\"",
            "sku\n\n\n",
            "sku\r\r\r",
            "\u{feff}",
            "sku,\n,",
        ] {
            let _ = parse_catalog(text);
        }
        assert_eq!(parse_catalog("sku\n\n\nA\n").unwrap()[0].line, 4);
    }

    #[test]
    fn settings_the_product_table_refuses_are_errors_on_their_line() {
        let csv = "sku,product_type,qty,min_cart_qty,use_config_min_sale_qty,max_cart_qty,\
use_config_max_sale_qty,qty_increments,use_config_qty_increments\n\
A,simple,1,0,0,5,0,1,0\n\
B,simple,1,1,0,-5,0,1,0\n\
C,simple,1,1,0,5,0,0,0\n";
        let error = parse_catalog(csv).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("line 2: min_cart_qty 0 must be greater than 0"),
            "{text}"
        );
        assert!(text.contains("line 3: max_cart_qty -5"), "{text}");
        assert!(text.contains("line 4: qty_increments 0"), "{text}");
    }
}
