//! The salability rules that are decisions rather than sums: how the out-of-stock threshold
//! is adapted to the backorder setting, which quantity shapes a product accepts, how much of
//! an order is a backorder, and the error codes and messages that
//! `is_product_salable_for_requested_qty` reports.

use crate::qty::Qty;

/// Code reported when the requested quantity is below the minimum sale quantity.
pub const MIN_SALE_QTY: &str = "is_correct_qty-min_sale_qty";
/// Code reported when the requested quantity is above the maximum sale quantity.
pub const MAX_SALE_QTY: &str = "is_correct_qty-max_sale_qty";
/// Code reported when the requested quantity is not a multiple of the increment.
pub const QTY_INCREMENT: &str = "is_correct_qty-qty_increment";
/// Code reported when a fractional quantity is requested for a whole-unit product.
pub const IS_QTY_DECIMAL: &str = "is_correct_qty-is_qty_decimal";

/// Code reported when the SKU has no in-stock source item in the stock.
pub const NO_SOURCE_ITEMS_IN_STOCK: &str = "is_any_source_item_in_stock-no_source_items_in_stock";
/// Message for [`NO_SOURCE_ITEMS_IN_STOCK`].
pub const NO_SOURCE_ITEMS_IN_STOCK_MESSAGE: &str =
    "There are no source items with the in stock status.";

/// Code reported when the SKU has no source item in any source of the stock.
pub const NOT_ASSIGNED: &str = "requested-sku-is-not-assigned-to-given-stock";
/// Message for [`NOT_ASSIGNED`].
pub const NOT_ASSIGNED_MESSAGE: &str = "The requested sku is not assigned to given stock.";

/// Code reported when the salable quantity is below the requested quantity.
pub const NOT_ENOUGH_QTY: &str = "is_salable_with_reservations-not_enough_qty";
/// Message for [`NOT_ENOUGH_QTY`].
pub const NOT_ENOUGH_QTY_MESSAGE: &str = "The requested qty is not available.";

/// The per-product settings that decide which quantities may be requested at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QtySettings {
    pub min_sale_qty: Qty,
    /// Zero means no limit.
    pub max_sale_qty: Qty,
    pub enable_qty_increments: bool,
    pub qty_increments: Qty,
    pub is_qty_decimal: bool,
}

impl Default for QtySettings {
    /// Magento's defaults: at least 1, at most 10000, no increments (increment 1), whole
    /// units only.
    fn default() -> QtySettings {
        QtySettings {
            min_sale_qty: Qty::from_int(1),
            max_sale_qty: Qty::from_int(10_000),
            enable_qty_increments: false,
            qty_increments: Qty::from_int(1),
            is_qty_decimal: false,
        }
    }
}

/// One reported reason why a SKU is not salable for a quantity: a stable code for programs
/// and a message for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QtyCheckError {
    pub code: &'static str,
    pub message: String,
}

impl QtyCheckError {
    /// The error for [`NO_SOURCE_ITEMS_IN_STOCK`] with its standard message.
    pub fn no_source_items_in_stock() -> QtyCheckError {
        QtyCheckError {
            code: NO_SOURCE_ITEMS_IN_STOCK,
            message: NO_SOURCE_ITEMS_IN_STOCK_MESSAGE.to_string(),
        }
    }

    /// The error for [`NOT_ASSIGNED`] with its standard message.
    pub fn not_assigned() -> QtyCheckError {
        QtyCheckError {
            code: NOT_ASSIGNED,
            message: NOT_ASSIGNED_MESSAGE.to_string(),
        }
    }

    /// The error for [`NOT_ENOUGH_QTY`] with its standard message.
    pub fn not_enough_qty() -> QtyCheckError {
        QtyCheckError {
            code: NOT_ENOUGH_QTY,
            message: NOT_ENOUGH_QTY_MESSAGE.to_string(),
        }
    }
}

/// The out-of-stock threshold that salable quantity subtracts. With backorders on (1 or 2)
/// a positive `min_qty` is ignored, so the threshold is never above 0; with backorders off
/// a negative `min_qty` is ignored, so it is never below 0.
pub fn adapted_threshold(min_qty: Qty, backorders: i16) -> Qty {
    if backorders > 0 {
        min_qty.min(Qty::ZERO)
    } else {
        min_qty.max(Qty::ZERO)
    }
}

/// Whether backorders are on without a floor, so any quantity may be sold: backorders
/// enabled and an adapted threshold of 0 (a `min_qty` of 0 or above).
pub fn has_unlimited_backorders(min_qty: Qty, backorders: i16) -> bool {
    backorders > 0 && adapted_threshold(min_qty, backorders) == Qty::ZERO
}

/// The first quantity-shape rule that `qty` breaks, checked in this order: below
/// `min_sale_qty`; above a non-zero `max_sale_qty`; not a multiple of a positive increment
/// while increments are on; fractional for a product without decimal quantities. `None`
/// when the shape is acceptable. Messages print quantities in their shortest form.
pub fn check_qty_shape(qty: Qty, s: &QtySettings) -> Option<QtyCheckError> {
    let error = |code, message| Some(QtyCheckError { code, message });

    if qty < s.min_sale_qty {
        return error(
            MIN_SALE_QTY,
            format!("The fewest you may purchase is {}.", s.min_sale_qty),
        );
    }
    if s.max_sale_qty > Qty::ZERO && qty > s.max_sale_qty {
        return error(
            MAX_SALE_QTY,
            format!("The most you may purchase is {}.", s.max_sale_qty),
        );
    }
    if s.enable_qty_increments
        && s.qty_increments > Qty::ZERO
        && !qty.is_multiple_of(s.qty_increments)
    {
        return error(
            QTY_INCREMENT,
            format!(
                "You can buy this product only in quantities of {} at a time.",
                s.qty_increments
            ),
        );
    }
    if !s.is_qty_decimal && !qty.is_integral() {
        return error(
            IS_QTY_DECIMAL,
            "You cannot use decimal quantity for this product.".into(),
        );
    }
    None
}

/// The part of `requested` that goes beyond the units still physically free,
/// `max(quantity + reserved, 0)`; never negative. With quantity 10 and nothing reserved, an
/// order of 15 has a backorder quantity of 5.
pub fn backorder_qty(requested: Qty, quantity: Qty, reserved: Qty) -> Qty {
    let free = (quantity + reserved).max(Qty::ZERO);
    (requested - free).max(Qty::ZERO)
}

/// The threshold a stock's salable quantity subtracts: the adapted out-of-stock threshold,
/// plus the notify quantity when the database says "Notify for Quantity Below" reduces
/// salable quantity and backorders are off.
pub fn stock_threshold(
    min_qty: Qty,
    backorders: i16,
    notify_stock_qty: Qty,
    notify_qty_reduces_salable: bool,
) -> Qty {
    let threshold = adapted_threshold(min_qty, backorders);
    if notify_qty_reduces_salable && backorders == 0 {
        threshold + notify_stock_qty.max(Qty::ZERO)
    } else {
        threshold
    }
}

/// What the kept figures of one (stock, SKU) say, as a salability check needs them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockFigures {
    pub manage_stock: bool,
    pub backorders: i16,
    /// The stock threshold, as [`stock_threshold`] gives it.
    pub threshold: Qty,
    /// Source items in any status in sources linked to the stock.
    pub items_assigned: u32,
    /// In-stock source items in enabled linked sources.
    pub items_in_stock: u32,
    pub salable_qty: Qty,
}

/// Every rule that selling `qty` breaks, in the documented order: the first failing
/// quantity-shape rule only, then each of "no source item in stock", "not assigned to the
/// stock" and "not enough salable quantity" that applies. With stock not managed only the
/// shape and the assignment count; with unlimited backorders the quantity is never short.
/// Empty when the quantity can be sold.
pub fn requested_qty_errors(
    qty: Qty,
    settings: &QtySettings,
    figures: &StockFigures,
) -> Vec<QtyCheckError> {
    let mut errors: Vec<QtyCheckError> = check_qty_shape(qty, settings).into_iter().collect();
    if !figures.manage_stock {
        if figures.items_assigned == 0 {
            errors.push(QtyCheckError::not_assigned());
        }
        return errors;
    }

    if figures.items_in_stock == 0 {
        errors.push(QtyCheckError::no_source_items_in_stock());
    }
    if figures.items_assigned == 0 {
        errors.push(QtyCheckError::not_assigned());
    }
    let unlimited = figures.backorders > 0 && figures.threshold >= Qty::ZERO;
    let short = figures.items_in_stock == 0 || figures.salable_qty < qty;
    if short && !(unlimited && figures.items_in_stock > 0) {
        errors.push(QtyCheckError::not_enough_qty());
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Qty {
        Qty::parse(s).unwrap()
    }

    fn code(qty: &str, settings: &QtySettings) -> Option<&'static str> {
        check_qty_shape(q(qty), settings).map(|e| e.code)
    }

    #[test]
    fn backorders_on_ignore_a_positive_threshold() {
        assert_eq!(adapted_threshold(q("5"), 1), Qty::ZERO);
        assert_eq!(adapted_threshold(q("-10"), 1), q("-10"));
        assert_eq!(adapted_threshold(q("-10"), 2), q("-10"));
    }

    #[test]
    fn backorders_off_ignore_a_negative_threshold() {
        assert_eq!(adapted_threshold(q("-10"), 0), Qty::ZERO);
        assert_eq!(adapted_threshold(q("5"), 0), q("5"));
        assert_eq!(adapted_threshold(Qty::ZERO, 0), Qty::ZERO);
    }

    #[test]
    fn backorders_with_a_zero_threshold_are_unlimited() {
        assert!(has_unlimited_backorders(Qty::ZERO, 1));
        assert!(has_unlimited_backorders(q("3"), 2));
        assert!(!has_unlimited_backorders(q("-10"), 1));
        assert!(!has_unlimited_backorders(Qty::ZERO, 0));
    }

    #[test]
    fn default_settings_accept_whole_quantities_from_one_to_ten_thousand() {
        let defaults = QtySettings::default();
        assert_eq!(code("1", &defaults), None);
        assert_eq!(code("10000", &defaults), None);
        assert_eq!(code("0.5", &defaults), Some(MIN_SALE_QTY));
        assert_eq!(code("10001", &defaults), Some(MAX_SALE_QTY));
        assert_eq!(code("1.5", &defaults), Some(IS_QTY_DECIMAL));
    }

    #[test]
    fn below_min_sale_qty_names_the_minimum() {
        let settings = QtySettings {
            min_sale_qty: q("2"),
            ..QtySettings::default()
        };
        assert_eq!(
            check_qty_shape(q("1"), &settings),
            Some(QtyCheckError {
                code: "is_correct_qty-min_sale_qty",
                message: "The fewest you may purchase is 2.".into()
            })
        );
    }

    #[test]
    fn above_max_sale_qty_names_the_maximum() {
        let error = check_qty_shape(q("10001"), &QtySettings::default()).unwrap();
        assert_eq!(error.code, "is_correct_qty-max_sale_qty");
        assert_eq!(error.message, "The most you may purchase is 10000.");
    }

    #[test]
    fn a_max_sale_qty_of_zero_means_no_limit() {
        let settings = QtySettings {
            max_sale_qty: Qty::ZERO,
            ..QtySettings::default()
        };
        assert_eq!(code("99999999", &settings), None);
    }

    #[test]
    fn increments_reject_a_quantity_off_the_step() {
        let settings = QtySettings {
            enable_qty_increments: true,
            qty_increments: q("0.1"),
            is_qty_decimal: true,
            min_sale_qty: q("0.1"),
            ..QtySettings::default()
        };
        assert_eq!(code("0.5", &settings), None);
        let error = check_qty_shape(q("0.55"), &settings).unwrap();
        assert_eq!(error.code, "is_correct_qty-qty_increment");
        assert_eq!(
            error.message,
            "You can buy this product only in quantities of 0.1 at a time."
        );
    }

    #[test]
    fn increments_apply_only_when_enabled_and_positive() {
        let off = QtySettings {
            qty_increments: q("3"),
            ..QtySettings::default()
        };
        assert_eq!(code("4", &off), None);
        let zero = QtySettings {
            enable_qty_increments: true,
            qty_increments: Qty::ZERO,
            ..off
        };
        assert_eq!(code("4", &zero), None);
        let on = QtySettings {
            qty_increments: q("3"),
            ..zero
        };
        assert_eq!(code("4", &on), Some(QTY_INCREMENT));
        assert_eq!(code("6", &on), None);
    }

    #[test]
    fn a_fractional_quantity_needs_decimal_quantities() {
        let error = check_qty_shape(q("2.5"), &QtySettings::default()).unwrap();
        assert_eq!(error.code, "is_correct_qty-is_qty_decimal");
        assert_eq!(
            error.message,
            "You cannot use decimal quantity for this product."
        );
        let decimal = QtySettings {
            is_qty_decimal: true,
            ..QtySettings::default()
        };
        assert_eq!(code("2.5", &decimal), None);
    }

    #[test]
    fn only_the_first_failing_shape_rule_is_reported() {
        let settings = QtySettings {
            min_sale_qty: q("2"),
            max_sale_qty: q("10"),
            enable_qty_increments: true,
            qty_increments: q("4"),
            is_qty_decimal: false,
        };
        assert_eq!(code("1.5", &settings), Some(MIN_SALE_QTY));
        assert_eq!(code("11.5", &settings), Some(MAX_SALE_QTY));
        assert_eq!(code("5.5", &settings), Some(QTY_INCREMENT));
        assert_eq!(code("8", &settings), None);
    }

    #[test]
    fn fractional_settings_print_in_shortest_form() {
        let settings = QtySettings {
            min_sale_qty: q("1.2500"),
            is_qty_decimal: true,
            ..QtySettings::default()
        };
        assert_eq!(
            check_qty_shape(q("1"), &settings).unwrap().message,
            "The fewest you may purchase is 1.25."
        );
    }

    #[test]
    fn the_part_beyond_free_units_is_backordered() {
        assert_eq!(backorder_qty(q("15"), q("10"), Qty::ZERO), q("5"));
        assert_eq!(backorder_qty(q("5"), q("10"), Qty::ZERO), Qty::ZERO);
        assert_eq!(backorder_qty(q("5"), q("10"), q("-8")), q("3"));
    }

    #[test]
    fn with_nothing_free_the_whole_order_is_backordered() {
        assert_eq!(backorder_qty(q("4"), q("10"), q("-12")), q("4"));
        assert_eq!(backorder_qty(q("4"), q("-3"), Qty::ZERO), q("4"));
    }

    #[test]
    fn standard_errors_carry_their_codes_and_messages() {
        assert_eq!(
            QtyCheckError::no_source_items_in_stock(),
            QtyCheckError {
                code: "is_any_source_item_in_stock-no_source_items_in_stock",
                message: "There are no source items with the in stock status.".into()
            }
        );
        assert_eq!(
            QtyCheckError::not_assigned().code,
            "requested-sku-is-not-assigned-to-given-stock"
        );
        assert_eq!(
            QtyCheckError::not_assigned().message,
            "The requested sku is not assigned to given stock."
        );
        assert_eq!(
            QtyCheckError::not_enough_qty().code,
            "is_salable_with_reservations-not_enough_qty"
        );
        assert_eq!(
            QtyCheckError::not_enough_qty().message,
            "The requested qty is not available."
        );
    }

    fn figures(items_assigned: u32, items_in_stock: u32, salable: i64) -> StockFigures {
        StockFigures {
            manage_stock: true,
            backorders: 0,
            threshold: Qty::ZERO,
            items_assigned,
            items_in_stock,
            salable_qty: Qty::from_int(salable),
        }
    }

    fn codes(errors: &[QtyCheckError]) -> Vec<&'static str> {
        errors.iter().map(|e| e.code).collect()
    }

    #[test]
    fn notify_quantity_reduces_the_threshold_only_without_backorders() {
        let ten = Qty::from_int(10);
        assert_eq!(
            stock_threshold(Qty::from_int(3), 0, ten, true),
            Qty::from_int(13)
        );
        assert_eq!(
            stock_threshold(Qty::from_int(3), 0, ten, false),
            Qty::from_int(3)
        );
        assert_eq!(
            stock_threshold(Qty::from_int(-10), 1, ten, true),
            Qty::from_int(-10)
        );
    }

    #[test]
    fn a_salable_quantity_passes_every_rule() {
        let errors =
            requested_qty_errors(Qty::from_int(2), &QtySettings::default(), &figures(1, 1, 5));
        assert!(errors.is_empty());
    }

    #[test]
    fn only_the_first_shape_rule_is_reported_but_every_stock_rule_is() {
        let settings = QtySettings {
            min_sale_qty: Qty::from_int(2),
            ..QtySettings::default()
        };
        let errors = requested_qty_errors(Qty::parse("1.5").unwrap(), &settings, &figures(0, 0, 0));
        assert_eq!(
            codes(&errors),
            vec![
                MIN_SALE_QTY,
                NO_SOURCE_ITEMS_IN_STOCK,
                NOT_ASSIGNED,
                NOT_ENOUGH_QTY
            ]
        );
    }

    #[test]
    fn asking_more_than_salable_is_not_enough_qty() {
        let errors =
            requested_qty_errors(Qty::from_int(6), &QtySettings::default(), &figures(1, 1, 5));
        assert_eq!(codes(&errors), vec![NOT_ENOUGH_QTY]);
    }

    #[test]
    fn unlimited_backorders_are_never_short_while_an_item_is_in_stock() {
        let mut f = figures(1, 1, 0);
        f.backorders = 1;
        assert!(requested_qty_errors(Qty::from_int(500), &QtySettings::default(), &f).is_empty());
        f.items_in_stock = 0;
        assert_eq!(
            codes(&requested_qty_errors(
                Qty::from_int(1),
                &QtySettings::default(),
                &f
            )),
            vec![NO_SOURCE_ITEMS_IN_STOCK, NOT_ENOUGH_QTY]
        );
    }

    #[test]
    fn backorders_with_a_negative_threshold_are_limited() {
        let mut f = figures(1, 1, 20);
        f.backorders = 1;
        f.threshold = Qty::from_int(-10);
        assert!(requested_qty_errors(Qty::from_int(20), &QtySettings::default(), &f).is_empty());
        assert_eq!(
            codes(&requested_qty_errors(
                Qty::from_int(21),
                &QtySettings::default(),
                &f
            )),
            vec![NOT_ENOUGH_QTY]
        );
    }

    #[test]
    fn unmanaged_stock_checks_only_shape_and_assignment() {
        let mut f = figures(1, 0, 0);
        f.manage_stock = false;
        assert!(requested_qty_errors(Qty::from_int(1000), &QtySettings::default(), &f).is_empty());
        f.items_assigned = 0;
        assert_eq!(
            codes(&requested_qty_errors(
                Qty::from_int(1),
                &QtySettings::default(),
                &f
            )),
            vec![NOT_ASSIGNED]
        );
    }
}
