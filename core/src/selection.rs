//! Source selection: which sources a shipment should take each SKU from.
//!
//! The candidates are the enabled sources of one stock. [`order_sources`] puts them in the
//! order of the chosen [`Algorithm`], once per request; [`select_at`] then walks that order for
//! each requested SKU and takes from every source what it holds, until the SKU is covered.
//! Nothing here looks at reservations or thresholds: those were applied when the order was
//! accepted.

use std::cmp::Ordering;

use crate::qty::Qty;

/// The mean radius of the Earth in kilometres (IUGG), the radius that
/// [`great_circle_km`] measures with.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// The code of the algorithm that orders sources by link priority.
pub const PRIORITY: &str = "priority";

/// The code of the algorithm that orders sources by distance from the destination.
pub const DISTANCE: &str = "distance";

const ALGORITHMS: [(&str, &str, &str); 2] = [
    (
        PRIORITY,
        "Source Priority Algorithm",
        "Takes each SKU from the stock's sources in the order of their link priority, \
         lowest first, until the requested quantity is covered.",
    ),
    (
        DISTANCE,
        "Distance Priority Algorithm",
        "Takes each SKU from the sources nearest to the shipping destination first, by \
         great-circle distance, until the requested quantity is covered; sources without \
         coordinates come last.",
    ),
];

/// A source that may ship: an enabled source linked to the stock, with the priority of its
/// link (lower first) and its coordinates, when it has them.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub source_code: String,
    pub priority: i32,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// The quantity of one SKU to ship.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub sku: String,
    pub qty: Qty,
}

/// How candidates are ordered.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Algorithm {
    /// By link priority, ties by source code.
    Priority,
    /// By great-circle distance from the destination at these coordinates (degrees).
    Distance { latitude: f64, longitude: f64 },
}

/// The available algorithms as (code, title, description), `priority` first.
pub fn algorithms() -> &'static [(&'static str, &'static str, &'static str)] {
    &ALGORITHMS
}

/// The code of a known algorithm, exactly as written (codes are lower case), or an error
/// that lists the known codes.
pub fn parse_algorithm_code(code: &str) -> Result<&'static str, String> {
    if let Some((known, _, _)) = ALGORITHMS.iter().find(|(known, _, _)| *known == code) {
        return Ok(known);
    }
    let known: Vec<&str> = ALGORITHMS.iter().map(|(known, _, _)| *known).collect();
    let quoted: String = code.chars().take(80).collect();
    let cut = if quoted.len() < code.len() { "..." } else { "" };
    Err(format!(
        "unknown source selection algorithm {quoted:?}{cut} (known: {})",
        known.join(", ")
    ))
}

/// The great-circle distance in kilometres between two points given in degrees, by the
/// haversine formula on a sphere of radius [`EARTH_RADIUS_KM`]: 0 for the same point, at most
/// half the circumference (about 20,015 km) for antipodes, the same in both directions.
/// Within about 0.5 % of the distance on the WGS 84 ellipsoid. Any non-finite input gives NaN.
pub fn great_circle_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let half_dphi = (phi2 - phi1) / 2.0;
    let half_dlambda = (lon2 - lon1).to_radians() / 2.0;

    let a = half_dphi.sin().powi(2) + phi1.cos() * phi2.cos() * half_dlambda.sin().powi(2);

    // Rounding can push `a` a hair past 1 near antipodes, where asin is undefined; clamp keeps
    // NaN as NaN.
    2.0 * EARTH_RADIUS_KM * a.clamp(0.0, 1.0).sqrt().asin()
}

/// The positions in `candidates` in the order the algorithm takes them, each position once.
///
/// - [`Algorithm::Priority`]: by priority, lowest first, ties by source code.
/// - [`Algorithm::Distance`]: sources with coordinates by great-circle distance from the
///   destination, nearest first, ties by priority and then source code; after them the
///   sources without coordinates, by priority and then source code. A source counts as
///   without coordinates when either is missing, not finite or out of range (latitude
///   outside [-90, 90], longitude outside [-180, 180]); when the destination itself is so,
///   every source does and the order is the priority order.
///
/// Candidates equal in every key keep their order in `candidates`.
pub fn order_sources(candidates: &[Candidate], algorithm: &Algorithm) -> Vec<usize> {
    let by_priority = |a: &Candidate, b: &Candidate| {
        (a.priority, &a.source_code).cmp(&(b.priority, &b.source_code))
    };
    let mut order: Vec<usize> = (0..candidates.len()).collect();

    match *algorithm {
        Algorithm::Priority => {
            order.sort_by(|&a, &b| by_priority(&candidates[a], &candidates[b]));
        }
        Algorithm::Distance {
            latitude,
            longitude,
        } => {
            let destination = valid_point(Some(latitude), Some(longitude));
            let distances: Vec<Option<f64>> = candidates
                .iter()
                .map(|c| {
                    let (lat, lon) = valid_point(c.latitude, c.longitude)?;
                    let (to_lat, to_lon) = destination?;
                    Some(great_circle_km(lat, lon, to_lat, to_lon))
                })
                .collect();
            order.sort_by(|&a, &b| {
                let nearer = match (distances[a], distances[b]) {
                    (Some(x), Some(y)) => x.total_cmp(&y),
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                };
                nearer.then_with(|| by_priority(&candidates[a], &candidates[b]))
            });
        }
    }
    order
}

/// The coordinates when both are present, finite and in range.
fn valid_point(latitude: Option<f64>, longitude: Option<f64>) -> Option<(f64, f64)> {
    let (lat, lon) = (latitude?, longitude?);
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

/// An in-stock item by position: `source` indexes the candidates, `request` the requests,
/// as [`select_at`] takes them. `available` is its quantity, which may be negative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeldAt {
    pub source: usize,
    pub request: usize,
    pub available: Qty,
}

/// One row of the recommendation by position: `request` indexes the requests, `source` the
/// candidates, `None` on the row of what no source can cover (its `qty_available` is zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PickAt {
    pub request: usize,
    pub source: Option<usize>,
    pub qty_to_deduct: Qty,
    pub qty_available: Qty,
}

/// Recommends, for each request, how much to take from each source, everything named by
/// position: `order` holds positions in the candidates, as [`order_sources`] returns them
/// (`candidate_count` of them; positions out of range and repeated ones are skipped),
/// `requests` the quantities of distinct SKUs, and each holding says which candidate holds
/// which request's SKU and how much.
///
/// For each request, in the order given, the sources holding its SKU are walked in `order`,
/// and each gives `min(max(available, 0), remaining)`: a source with nothing available is
/// listed with 0, and so is every source reached after the SKU is covered. When the sources
/// do not cover the request, one last row with no source carries the remainder. A source
/// that holds no item of the SKU is not listed; a request no source holds gets only the
/// remainder row.
///
/// Guarantees: the rows of one request are contiguous and in source order; every sourced
/// row carries the source's available quantity; the quantities to deduct of a request's
/// rows add up to its quantity exactly (a request of zero or less gets only zero rows).
/// Holdings naming a request or a source out of range, or a source not in `order`, are
/// ignored, and of two holdings of one request at one source the first counts. The time
/// grows with the holdings plus the rows returned (at most one per source and request,
/// plus one per request), never with their product.
pub fn select_at(
    order: &[usize],
    candidate_count: usize,
    holdings: &[HeldAt],
    requests: &[Qty],
) -> Vec<PickAt> {
    // The rank of each candidate in the selection order.
    let mut rank_of: Vec<Option<usize>> = vec![None; candidate_count];
    let mut ranked: Vec<usize> = Vec::with_capacity(order.len());
    for &i in order {
        if let Some(slot @ None) = rank_of.get_mut(i) {
            *slot = Some(ranked.len());
            ranked.push(i);
        }
    }

    // What each source holding each request's SKU has available, by rank.
    let mut held: Vec<Vec<(usize, Qty)>> = vec![Vec::new(); requests.len()];
    for h in holdings {
        let Some(Some(rank)) = rank_of.get(h.source) else {
            continue;
        };
        if let Some(at) = held.get_mut(h.request) {
            at.push((*rank, h.available));
        }
    }

    let mut picks = Vec::with_capacity(holdings.len() + requests.len());
    for (request, (&qty, mut held)) in requests.iter().zip(held).enumerate() {
        // Stable, so the first of two holdings at one source stays first and is kept.
        held.sort_by_key(|&(rank, _)| rank);
        held.dedup_by_key(|&mut (rank, _)| rank);

        let mut remaining = qty;
        for (rank, available) in held {
            let take = available.max(Qty::ZERO).min(remaining.max(Qty::ZERO));
            remaining -= take;
            picks.push(PickAt {
                request,
                source: Some(ranked[rank]),
                qty_to_deduct: take,
                qty_available: available,
            });
        }
        if remaining.is_positive() {
            picks.push(PickAt {
                request,
                source: None,
                qty_to_deduct: remaining,
                qty_available: Qty::ZERO,
            });
        }
    }
    picks
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::Entry;
    use std::collections::HashMap;

    use crate::sku::sku_key;

    // The scenarios below speak of sources and SKUs by name, as the behaviour does; this
    // layer maps them onto select_at's positions the way the extension's queries do:
    // requests for one SKU (compared case-insensitively) summed into the first, each
    // holding placed by its source code and SKU.

    /// An in-stock item of a SKU at a source, by name.
    #[derive(Clone, Debug, PartialEq, Eq)]
    struct Holding {
        source_code: String,
        sku: String,
        available: Qty,
    }

    /// One row of the recommendation, by name; `source_code` is `None` on the remainder.
    #[derive(Clone, Debug, PartialEq, Eq)]
    struct Pick {
        sku: String,
        source_code: Option<String>,
        qty_to_deduct: Qty,
        qty_available: Qty,
    }

    fn select(
        order: &[usize],
        candidates: &[Candidate],
        holdings: &[Holding],
        requests: &[Request],
    ) -> Vec<Pick> {
        // Each source code stands for the candidate that comes first in the order with it.
        let mut source_by_code: HashMap<&str, usize> = HashMap::with_capacity(order.len());
        for &i in order {
            if let Some(candidate) = candidates.get(i) {
                source_by_code.entry(&candidate.source_code).or_insert(i);
            }
        }

        // Each request stands for the first request of its SKU, which carries the sum.
        let mut merged: Vec<Qty> = Vec::with_capacity(requests.len());
        let mut position_by_key: HashMap<String, usize> = HashMap::with_capacity(requests.len());
        let mut merged_request: Vec<&Request> = Vec::with_capacity(requests.len());
        for request in requests {
            match position_by_key.entry(sku_key(&request.sku)) {
                Entry::Occupied(at) => merged[*at.get()] += request.qty,
                Entry::Vacant(slot) => {
                    slot.insert(merged.len());
                    merged.push(request.qty);
                    merged_request.push(request);
                }
            }
        }

        let held: Vec<HeldAt> = holdings
            .iter()
            .filter_map(|h| {
                Some(HeldAt {
                    source: *source_by_code.get(h.source_code.as_str())?,
                    request: *position_by_key.get(&sku_key(&h.sku))?,
                    available: h.available,
                })
            })
            .collect();

        select_at(order, candidates.len(), &held, &merged)
            .into_iter()
            .map(|p| Pick {
                sku: merged_request[p.request].sku.clone(),
                source_code: p.source.map(|s| candidates[s].source_code.clone()),
                qty_to_deduct: p.qty_to_deduct,
                qty_available: p.qty_available,
            })
            .collect()
    }

    fn q(s: &str) -> Qty {
        Qty::parse(s).unwrap()
    }

    fn source(code: &str, priority: i32) -> Candidate {
        Candidate {
            source_code: code.into(),
            priority,
            latitude: None,
            longitude: None,
        }
    }

    fn located(code: &str, priority: i32, latitude: f64, longitude: f64) -> Candidate {
        Candidate {
            latitude: Some(latitude),
            longitude: Some(longitude),
            ..source(code, priority)
        }
    }

    fn holding(code: &str, sku: &str, available: &str) -> Holding {
        Holding {
            source_code: code.into(),
            sku: sku.into(),
            available: q(available),
        }
    }

    fn request(sku: &str, qty: &str) -> Request {
        Request {
            sku: sku.into(),
            qty: q(qty),
        }
    }

    /// Each pick as (SKU, source or "-", to deduct, available), for comparing at a glance.
    fn rows(picks: &[Pick]) -> Vec<(String, String, String, String)> {
        picks
            .iter()
            .map(|p| {
                (
                    p.sku.clone(),
                    p.source_code.clone().unwrap_or_else(|| "-".into()),
                    p.qty_to_deduct.to_string(),
                    p.qty_available.to_string(),
                )
            })
            .collect()
    }

    fn row(
        sku: &str,
        code: &str,
        deduct: &str,
        available: &str,
    ) -> (String, String, String, String) {
        (sku.into(), code.into(), deduct.into(), available.into())
    }

    fn codes(candidates: &[Candidate], order: &[usize]) -> Vec<String> {
        order
            .iter()
            .map(|&i| candidates[i].source_code.clone())
            .collect()
    }

    /// The example of the behaviour: S1 (priority 1) holds 3, S2 (2) 5, S3 (3) 10.
    fn three_sources() -> (Vec<Candidate>, Vec<Holding>) {
        (
            vec![source("S3", 3), source("S1", 1), source("S2", 2)],
            vec![
                holding("S1", "24-MB01", "3"),
                holding("S2", "24-MB01", "5"),
                holding("S3", "24-MB01", "10"),
            ],
        )
    }

    fn select_by_priority(
        candidates: &[Candidate],
        holdings: &[Holding],
        requests: &[Request],
    ) -> Vec<Pick> {
        let order = order_sources(candidates, &Algorithm::Priority);
        select(&order, candidates, holdings, requests)
    }

    #[test]
    fn a_request_of_7_takes_3_from_s1_and_4_from_s2_and_lists_s3_with_0() {
        let (candidates, holdings) = three_sources();
        let picks = select_by_priority(&candidates, &holdings, &[request("24-MB01", "7")]);
        assert_eq!(
            rows(&picks),
            [
                row("24-MB01", "S1", "3", "3"),
                row("24-MB01", "S2", "4", "5"),
                row("24-MB01", "S3", "0", "10"),
            ]
        );
    }

    #[test]
    fn a_request_of_20_takes_everything_and_leaves_a_remainder_of_2() {
        let (candidates, holdings) = three_sources();
        let picks = select_by_priority(&candidates, &holdings, &[request("24-MB01", "20")]);
        assert_eq!(
            rows(&picks),
            [
                row("24-MB01", "S1", "3", "3"),
                row("24-MB01", "S2", "5", "5"),
                row("24-MB01", "S3", "10", "10"),
                row("24-MB01", "-", "2", "0"),
            ]
        );
    }

    #[test]
    fn two_sources_holding_1_each_cover_a_request_of_2_without_a_remainder() {
        let candidates = [source("A", 1), source("B", 2)];
        let holdings = [holding("A", "X", "1"), holding("B", "X", "1")];
        let picks = select_by_priority(&candidates, &holdings, &[request("X", "2")]);
        assert_eq!(
            rows(&picks),
            [row("X", "A", "1", "1"), row("X", "B", "1", "1")]
        );
    }

    #[test]
    fn a_negative_quantity_contributes_nothing_but_is_listed() {
        let candidates = [source("A", 1), source("B", 2)];
        let holdings = [holding("A", "X", "-4"), holding("B", "X", "6")];
        let picks = select_by_priority(&candidates, &holdings, &[request("X", "5")]);
        assert_eq!(
            rows(&picks),
            [row("X", "A", "0", "-4"), row("X", "B", "5", "6")]
        );
    }

    #[test]
    fn fractional_quantities_are_taken_exactly() {
        let candidates = [source("A", 1), source("B", 2)];
        let holdings = [holding("A", "X", "0.3"), holding("B", "X", "0.0001")];
        let picks = select_by_priority(&candidates, &holdings, &[request("X", "0.4")]);
        assert_eq!(
            rows(&picks),
            [
                row("X", "A", "0.3", "0.3"),
                row("X", "B", "0.0001", "0.0001"),
                row("X", "-", "0.0999", "0"),
            ]
        );
    }

    #[test]
    fn a_source_without_an_item_of_the_sku_is_not_listed() {
        let candidates = [source("A", 1), source("B", 2), source("C", 3)];
        let holdings = [
            holding("A", "X", "2"),
            holding("C", "X", "2"),
            holding("B", "Y", "9"),
        ];
        let picks = select_by_priority(&candidates, &holdings, &[request("X", "3")]);
        assert_eq!(
            rows(&picks),
            [row("X", "A", "2", "2"), row("X", "C", "1", "2")]
        );
    }

    #[test]
    fn a_sku_that_no_source_holds_gets_only_the_remainder_row() {
        let candidates = [source("A", 1)];
        let holdings = [holding("A", "X", "2")];
        let picks = select_by_priority(&candidates, &holdings, &[request("NOPE", "4")]);
        assert_eq!(rows(&picks), [row("NOPE", "-", "4", "0")]);
    }

    #[test]
    fn skus_match_in_any_case_and_keep_the_requests_spelling() {
        let candidates = [source("A", 1)];
        let holdings = [holding("A", "mh01-xs-black", "5")];
        let picks = select_by_priority(&candidates, &holdings, &[request("MH01-XS-Black", "2")]);
        assert_eq!(rows(&picks), [row("MH01-XS-Black", "A", "2", "5")]);
    }

    #[test]
    fn rows_of_each_sku_are_contiguous_in_request_order() {
        let candidates = [source("A", 1), source("B", 2)];
        let holdings = [
            holding("B", "Y", "1"),
            holding("A", "X", "1"),
            holding("B", "X", "1"),
            holding("A", "Y", "1"),
        ];
        let picks = select_by_priority(
            &candidates,
            &holdings,
            &[request("Y", "3"), request("X", "1")],
        );
        assert_eq!(
            rows(&picks),
            [
                row("Y", "A", "1", "1"),
                row("Y", "B", "1", "1"),
                row("Y", "-", "1", "0"),
                row("X", "A", "1", "1"),
                row("X", "B", "0", "1"),
            ]
        );
    }

    #[test]
    fn requests_for_one_sku_in_two_spellings_are_summed_into_the_first() {
        let candidates = [source("A", 1)];
        let holdings = [holding("A", "X-1", "10")];
        let picks = select_by_priority(
            &candidates,
            &holdings,
            &[request("x-1", "2"), request("X-1", "3")],
        );
        assert_eq!(rows(&picks), [row("x-1", "A", "5", "10")]);
    }

    #[test]
    fn a_request_of_zero_lists_the_sources_with_nothing_to_deduct() {
        let candidates = [source("A", 1)];
        let holdings = [holding("A", "X", "10")];
        let picks = select_by_priority(&candidates, &holdings, &[request("X", "0")]);
        assert_eq!(rows(&picks), [row("X", "A", "0", "10")]);
    }

    #[test]
    fn holdings_outside_the_order_and_bad_positions_are_ignored() {
        let candidates = [source("A", 1), source("B", 2)];
        let holdings = [
            holding("A", "X", "1"),
            holding("A", "X", "7"),
            holding("B", "X", "1"),
            holding("GONE", "X", "50"),
        ];
        let picks = select(&[1, 7, 0, 1], &candidates, &holdings, &[request("X", "5")]);
        assert_eq!(
            rows(&picks),
            [
                row("X", "B", "1", "1"),
                row("X", "A", "1", "1"),
                row("X", "-", "3", "0"),
            ]
        );
        assert_eq!(select(&[], &candidates, &holdings, &[]), []);
    }

    #[test]
    fn priority_order_breaks_ties_by_source_code() {
        let candidates = [
            source("b", 2),
            source("z", 1),
            source("a", 2),
            source("c", 1),
        ];
        let order = order_sources(&candidates, &Algorithm::Priority);
        assert_eq!(codes(&candidates, &order), ["c", "z", "a", "b"]);
    }

    const NEW_YORK_10001: (f64, f64) = (40.7484, -73.9967);
    const LOS_ANGELES_90001: (f64, f64) = (33.9731, -118.2479);

    #[test]
    fn new_york_to_los_angeles_is_about_3950_km() {
        let (ny_lat, ny_lon) = NEW_YORK_10001;
        let (la_lat, la_lon) = LOS_ANGELES_90001;
        let km = great_circle_km(ny_lat, ny_lon, la_lat, la_lon);
        assert!((km - 3_950.0).abs() < 39.5, "{km}");
        assert_eq!(km, great_circle_km(la_lat, la_lon, ny_lat, ny_lon));
    }

    #[test]
    fn known_distances_match_within_half_a_percent() {
        // London (51.5074, -0.1278) to Paris (48.8566, 2.3522): 343.5 km.
        let km = great_circle_km(51.5074, -0.1278, 48.8566, 2.3522);
        assert!((km - 343.5).abs() < 1.7, "{km}");
        // Sydney (-33.8688, 151.2093) to Tokyo (35.6762, 139.6503): 7,823 km.
        let km = great_circle_km(-33.8688, 151.2093, 35.6762, 139.6503);
        assert!((km - 7_823.0).abs() < 39.0, "{km}");
        // One degree of longitude on the equator: 111.195 km on this sphere.
        let km = great_circle_km(0.0, 0.0, 0.0, 1.0);
        assert!((km - 111.195).abs() < 0.001, "{km}");
    }

    #[test]
    fn the_same_point_is_0_km_and_antipodes_half_the_circumference() {
        assert_eq!(great_circle_km(40.7484, -73.9967, 40.7484, -73.9967), 0.0);
        let half = std::f64::consts::PI * EARTH_RADIUS_KM;
        assert!((great_circle_km(0.0, 0.0, 0.0, 180.0) - half).abs() < 1e-6);
        assert!((great_circle_km(90.0, 0.0, -90.0, 0.0) - half).abs() < 1e-6);
        assert!((great_circle_km(0.0, -180.0, 0.0, 180.0)).abs() < 1e-6);
        assert!(great_circle_km(f64::NAN, 0.0, 0.0, 0.0).is_nan());
    }

    #[test]
    fn distance_order_takes_the_nearest_source_first() {
        // Shipping to New York: Newark is nearer than Chicago, Chicago nearer than LA.
        let candidates = [
            located("los-angeles", 1, 34.0522, -118.2437),
            located("chicago", 2, 41.8781, -87.6298),
            located("newark", 3, 40.7357, -74.1724),
        ];
        let (lat, lon) = NEW_YORK_10001;
        let order = order_sources(
            &candidates,
            &Algorithm::Distance {
                latitude: lat,
                longitude: lon,
            },
        );
        assert_eq!(
            codes(&candidates, &order),
            ["newark", "chicago", "los-angeles"]
        );

        let holdings = [
            holding("los-angeles", "X", "10"),
            holding("chicago", "X", "1"),
            holding("newark", "X", "2"),
        ];
        let picks = select(&order, &candidates, &holdings, &[request("X", "4")]);
        assert_eq!(
            rows(&picks),
            [
                row("X", "newark", "2", "2"),
                row("X", "chicago", "1", "1"),
                row("X", "los-angeles", "1", "10"),
            ]
        );
    }

    #[test]
    fn sources_at_the_same_distance_go_by_priority_then_source_code() {
        let candidates = [
            located("b", 2, 48.8566, 2.3522),
            located("far", 1, -33.8688, 151.2093),
            located("c", 1, 48.8566, 2.3522),
            located("a", 2, 48.8566, 2.3522),
        ];
        let order = order_sources(
            &candidates,
            &Algorithm::Distance {
                latitude: 51.5074,
                longitude: -0.1278,
            },
        );
        assert_eq!(codes(&candidates, &order), ["c", "a", "b", "far"]);
    }

    #[test]
    fn sources_without_coordinates_come_last_by_priority() {
        let mut half_located = located("only-lat", 1, 40.0, -74.0);
        half_located.longitude = None;
        let candidates = [
            source("nowhere-2", 2),
            located("far", 9, 34.0522, -118.2437),
            half_located,
            located("broken", 1, f64::NAN, -74.0),
            located("off-the-map", 1, 95.0, -74.0),
            source("nowhere-1", 1),
            located("near", 5, 40.7357, -74.1724),
        ];
        let order = order_sources(
            &candidates,
            &Algorithm::Distance {
                latitude: 40.7484,
                longitude: -73.9967,
            },
        );
        assert_eq!(
            codes(&candidates, &order),
            [
                "near",
                "far",
                "broken",
                "nowhere-1",
                "off-the-map",
                "only-lat",
                "nowhere-2"
            ]
        );
    }

    #[test]
    fn a_destination_off_the_map_orders_by_priority() {
        let candidates = [located("a", 2, 0.0, 0.0), located("b", 1, 10.0, 10.0)];
        for (latitude, longitude) in [(f64::NAN, 0.0), (0.0, f64::INFINITY), (-91.0, 0.0)] {
            let order = order_sources(
                &candidates,
                &Algorithm::Distance {
                    latitude,
                    longitude,
                },
            );
            assert_eq!(codes(&candidates, &order), ["b", "a"]);
        }
    }

    #[test]
    fn ten_lines_over_fifty_sources_list_every_source_and_the_remainder() {
        let candidates: Vec<Candidate> = (0..50)
            .map(|i| located(&format!("src-{i:02}"), 50 - i, f64::from(i), f64::from(i)))
            .collect();
        let holdings: Vec<Holding> = (0..50)
            .flat_map(|s| {
                (0..10).map(move |k| holding(&format!("src-{s:02}"), &format!("SKU-{k}"), "3"))
            })
            .collect();
        let requests: Vec<Request> = (0..10)
            .map(|k| request(&format!("sku-{k}"), "200"))
            .collect();
        let algorithm = Algorithm::Distance {
            latitude: 0.0,
            longitude: 0.0,
        };

        let order = order_sources(&candidates, &algorithm);
        let picks = select(&order, &candidates, &holdings, &requests);
        assert_eq!(picks.len(), 10 * 51);
        // Nearest first: src-00 sits on the destination.
        assert_eq!(picks[0].source_code.as_deref(), Some("src-00"));
        assert_eq!(picks[49].source_code.as_deref(), Some("src-49"));
        // 50 sources of 3 cover 150 of the 200 asked.
        assert_eq!(picks[50].source_code, None);
        assert_eq!(picks[50].qty_to_deduct, q("50"));
        assert_eq!(picks[50].sku, "sku-0");
    }

    #[test]
    fn a_thousand_lines_over_two_hundred_sources_fill_each_line_in_turn() {
        // 200,000 holdings (the speed of this is measured in bench/, as select_sources).
        let candidates: Vec<Candidate> = (0..200).map(|i| source(&format!("s{i}"), i)).collect();
        let holdings: Vec<Holding> = (0..200)
            .flat_map(|s| (0..1_000).map(move |k| holding(&format!("s{s}"), &format!("K{k}"), "1")))
            .collect();
        let requests: Vec<Request> = (0..1_000)
            .map(|k| request(&format!("K{k}"), "150"))
            .collect();

        let order = order_sources(&candidates, &Algorithm::Priority);
        let picks = select(&order, &candidates, &holdings, &requests);

        assert_eq!(picks.len(), 200_000);
        assert_eq!(picks[149].qty_to_deduct, q("1"));
        assert_eq!(picks[150].qty_to_deduct, Qty::ZERO);
        assert_eq!(picks[199_999].sku, "K999");
        assert_eq!(picks[199_999].source_code.as_deref(), Some("s199"));
    }

    #[test]
    fn select_at_names_rows_by_position_and_ignores_what_it_cannot_place() {
        let held = |source, request, available: &str| HeldAt {
            source,
            request,
            available: q(available),
        };
        // Candidate 2 ranks first, 0 second; 1 is not in the order.
        let order = [2, 0, 2, 9];
        let holdings = [
            held(0, 0, "4"),
            held(1, 0, "100"),
            held(2, 0, "1"),
            held(2, 0, "50"),
            held(0, 7, "5"),
            held(5, 1, "5"),
            held(0, 1, "2"),
        ];
        let picks = select_at(&order, 3, &holdings, &[q("6"), q("1")]);
        let at = |request, source, deduct: &str, available: &str| PickAt {
            request,
            source,
            qty_to_deduct: q(deduct),
            qty_available: q(available),
        };
        assert_eq!(
            picks,
            [
                at(0, Some(2), "1", "1"),
                at(0, Some(0), "4", "4"),
                at(0, None, "1", "0"),
                at(1, Some(0), "1", "2"),
            ]
        );
    }

    #[test]
    fn algorithms_are_listed_and_codes_checked() {
        let listed: Vec<(&str, &str)> = algorithms().iter().map(|(c, t, _)| (*c, *t)).collect();
        assert_eq!(
            listed,
            [
                ("priority", "Source Priority Algorithm"),
                ("distance", "Distance Priority Algorithm")
            ]
        );
        assert!(algorithms().iter().all(|(_, _, d)| d.ends_with('.')));
        assert_eq!(parse_algorithm_code("priority"), Ok("priority"));
        assert_eq!(parse_algorithm_code("distance"), Ok("distance"));
        assert_eq!(
            parse_algorithm_code("x"),
            Err("unknown source selection algorithm \"x\" (known: priority, distance)".into())
        );
        assert!(parse_algorithm_code("Priority").is_err());
        let long = parse_algorithm_code(&"z".repeat(10_000)).unwrap_err();
        assert!(long.len() < 150, "{long}");
    }
}
