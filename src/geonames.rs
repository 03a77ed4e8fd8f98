//! `import_geonames`: postal codes with coordinates, to place destinations.

use crate::error::{required, SqlError};
use inventory_core::geonames::parse_geonames;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

const REPLACE_COUNTRIES: &str = "
    DELETE FROM inventory.geoname WHERE country_code IN (SELECT unnest($1::text[]))";

const INSERT_POSTCODES: &str = "
    INSERT INTO inventory.geoname
           (country_code, postcode, city, region, region_code, province, latitude, longitude)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                         $7::float8[]::numeric[], $8::float8[]::numeric[])";

/// Loads a GeoNames postal-code file (tab-separated, 12 columns, no header),
/// replacing every row of each country the file contains, in one statement
/// pair of the caller's transaction. The whole file is validated first; a
/// malformed line rejects it with its line number and nothing changes.
/// Returns the number of postal codes loaded.
#[pg_extern(volatile, schema = "inventory")]
#[search_path(pg_catalog, inventory, pg_temp)]
fn import_geonames(tsv: Option<&str>) -> Result<i64, ErrorReport> {
    let tsv = required(tsv, "tsv")?;
    let rows = parse_geonames(tsv).map_err(|e| SqlError::bad_file(e.to_string()))?;

    let mut countries: Vec<String> = rows.iter().map(|r| r.country_code.clone()).collect();
    countries.sort();
    countries.dedup();
    let column = |f: fn(&inventory_core::geonames::PostalCode) -> String| -> Vec<String> {
        rows.iter().map(f).collect()
    };
    let args = [
        column(|r| r.country_code.clone()),
        column(|r| r.postcode.clone()),
        column(|r| r.city.clone()),
        column(|r| r.region.clone()),
        column(|r| r.region_code.clone()),
        column(|r| r.province.clone()),
    ];
    let latitudes: Vec<f64> = rows.iter().map(|r| r.latitude).collect();
    let longitudes: Vec<f64> = rows.iter().map(|r| r.longitude).collect();

    Spi::connect_mut(|client| -> Result<i64, SqlError> {
        client.update(REPLACE_COUNTRIES, None, &[countries.into()])?;
        let [a, b, c, d, e, f] = args;
        let inserted = client.update(
            INSERT_POSTCODES,
            None,
            &[
                a.into(),
                b.into(),
                c.into(),
                d.into(),
                e.into(),
                f.into(),
                latitudes.into(),
                longitudes.into(),
            ],
        )?;
        Ok(inserted.len() as i64)
    })
    .map_err(ErrorReport::from)
}
