//! The TSV import parser: any bytes, read as UTF-8 (invalid sequences replaced), as a
//! GeoNames postal-code file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    inventory_fuzz::check_geonames(&text);
});
