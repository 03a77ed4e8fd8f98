//! Item lists and quantities: any bytes, read as UTF-8 (invalid sequences replaced), as the
//! JSON `items` argument and as a quantity's text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    inventory_fuzz::check_items(&text);
    inventory_fuzz::check_qty_in_items(&text);
});
