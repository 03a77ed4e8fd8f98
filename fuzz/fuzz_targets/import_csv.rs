//! The CSV import parsers: any bytes, read as UTF-8 (invalid sequences replaced), as a
//! Magento `catalog_product` export and as a `stock_sources` source-item file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    inventory_fuzz::check_catalog(&text);
    inventory_fuzz::check_source_items(&text);
});
