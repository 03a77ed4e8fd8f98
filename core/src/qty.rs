//! Exact quantities.
//!
//! A quantity is a decimal with at most four places and an absolute value below 10^8, the
//! range that the SQL contract allows for `numeric` quantities. [`Qty`] holds it as a whole
//! number of ten-thousandths, so adding, comparing and checking increments are exact and
//! nothing is ever rounded.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

/// An exact decimal quantity, stored in units of 1/10000.
///
/// Values made by [`Qty::parse`] are always within the contract's range (absolute value below
/// 10^8). Arithmetic on them saturates at the bounds of `i64` instead of panicking, which is
/// about 92 billion times the range: sums of in-range values never reach it in practice, and
/// [`Qty::in_range`] tells a caller whether a computed value may be stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Qty(i64);

/// Units per whole quantity: a quantity has four decimal places.
pub const SCALE: i64 = 10_000;

/// The number of decimal places a quantity may have.
pub const DECIMAL_PLACES: u32 = 4;

/// Absolute values must stay below this whole number (10^8).
pub const LIMIT: i64 = 100_000_000;

/// The longest excerpt of an input that an error message repeats.
const MAX_QUOTED_CHARS: usize = 40;

impl Qty {
    /// Zero.
    pub const ZERO: Qty = Qty(0);

    /// The quantity of `u` ten-thousandths (`from_units(5000)` is 0.5).
    pub const fn from_units(u: i64) -> Qty {
        Qty(u)
    }

    /// The number of ten-thousandths in this quantity (`0.5` has 5000).
    pub const fn units(self) -> i64 {
        self.0
    }

    /// The whole number `i` as a quantity; saturates at the bounds of `i64` units for numbers
    /// beyond about ±9.2 * 10^14, which are far outside the contract's range anyway.
    pub fn from_int(i: i64) -> Qty {
        Qty(i.saturating_mul(SCALE))
    }

    /// Whether the quantity is a whole number.
    pub fn is_integral(self) -> bool {
        self.0 % SCALE == 0
    }

    /// Whether the quantity is above zero.
    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Whether the quantity is below zero.
    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The absolute value (saturating for the single `i64` value with no positive twin).
    pub fn abs(self) -> Qty {
        Qty(self.0.saturating_abs())
    }

    /// Whether the absolute value is below 10^8, so the quantity may be stored.
    pub fn is_in_range(self) -> bool {
        self.0.unsigned_abs() < (LIMIT as u64) * (SCALE as u64)
    }

    /// The quantity itself when it may be stored, else the same [`QtyError::TooLarge`] that
    /// parsing its text would give. Use it on sums before writing them.
    pub fn in_range(self) -> Result<Qty, QtyError> {
        if self.is_in_range() {
            Ok(self)
        } else {
            Err(QtyError::TooLarge(self.to_string()))
        }
    }

    /// `self + other`, or `None` when the sum does not fit in `i64` units.
    pub fn checked_add(self, other: Qty) -> Option<Qty> {
        self.0.checked_add(other.0).map(Qty)
    }

    /// `self - other`, or `None` when the difference does not fit in `i64` units.
    pub fn checked_sub(self, other: Qty) -> Option<Qty> {
        self.0.checked_sub(other.0).map(Qty)
    }

    /// Whether this quantity is a whole multiple of `increment`, with the tolerance of
    /// Magento's quantity-increment check: a remainder within `increment / 10000` of 0 or of
    /// the increment counts as none. The computation is exact, so 0.5 is a multiple of 0.1
    /// and 0.35 is not. The sign of either operand does not matter. An increment of zero
    /// constrains nothing: every quantity is a multiple of it.
    pub fn is_multiple_of(self, increment: Qty) -> bool {
        let step = i128::from(increment.0).abs();
        if step == 0 {
            return true;
        }
        let remainder = i128::from(self.0).abs() % step;

        // remainder / step < 1/10000, written without division so it stays exact.
        remainder * i128::from(SCALE) < step || (step - remainder) * i128::from(SCALE) < step
    }

    /// Reads a quantity from its decimal text, exactly.
    ///
    /// Accepts what PostgreSQL prints for `numeric` and what JSON numbers look like: an
    /// optional sign, digits with an optional fraction (`5.`, `.5` and `1.50000` included)
    /// and an optional exponent (`1e2`, `2.5E-1`), as long as the exact value has at most
    /// four decimal places and an absolute value below 10^8. Surrounding spaces are not
    /// trimmed: they make the text [`QtyError::Malformed`]. Never panics and never
    /// overflows, whatever the length of the text or the size of its exponent.
    pub fn parse(s: &str) -> Result<Qty, QtyError> {
        Self::parse_below(s, 8)
    }

    /// Reads a figure the database computed (a sum of quantities, a salable quantity),
    /// which may exceed the 10^8 of a single quantity: as [`Qty::parse`], with a limit of
    /// 10^14 instead.
    pub fn parse_figure(s: &str) -> Result<Qty, QtyError> {
        Self::parse_below(s, 14)
    }

    /// Parses with an absolute value below 10^`digits` (at most 14, so every value fits).
    fn parse_below(s: &str, digits: i128) -> Result<Qty, QtyError> {
        if s.trim().is_empty() {
            return Err(QtyError::Empty);
        }
        let (negative, unsigned) = match s.as_bytes()[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        if unsigned.eq_ignore_ascii_case("nan") {
            return Err(QtyError::NotANumber(excerpt(s)));
        }
        if unsigned.eq_ignore_ascii_case("infinity") || unsigned.eq_ignore_ascii_case("inf") {
            return Err(QtyError::Infinite(excerpt(s)));
        }
        let decimal = Decimal::split(unsigned).ok_or_else(|| QtyError::Malformed(excerpt(s)))?;

        let Some((first, last)) = decimal.significant_span() else {
            return Ok(Qty::ZERO);
        };
        if decimal.weight(first) >= digits {
            return Err(QtyError::TooLarge(excerpt(s)));
        }
        if decimal.weight(last) < -i128::from(DECIMAL_PLACES) {
            return Err(QtyError::TooPrecise(excerpt(s)));
        }

        // At most 18 significant digits remain, each weighted 10^0 ..= 10^17 in units.
        let mut units: i64 = 0;
        for i in first..=last {
            let exponent = (decimal.weight(i) + i128::from(DECIMAL_PLACES)) as u32;
            units += i64::from(decimal.digit(i)) * 10_i64.pow(exponent);
        }
        Ok(Qty(if negative { -units } else { units }))
    }
}

/// The parts of an unsigned decimal text: `int.frac` times ten to the power `exponent`.
struct Decimal<'a> {
    int: &'a [u8],
    frac: &'a [u8],
    exponent: i64,
}

impl<'a> Decimal<'a> {
    /// Splits `digits[.digits][e[sign]digits]`, or `None` when the text has another shape.
    /// The exponent saturates, which keeps every later comparison correct.
    fn split(text: &'a str) -> Option<Decimal<'a>> {
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(at) => (&text[..at], Some(&text[at + 1..])),
            None => (text, None),
        };
        let (int, frac) = match mantissa.find('.') {
            Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
            None => (mantissa, ""),
        };
        let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if int.len() + frac.len() == 0 || !all_digits(int) || !all_digits(frac) {
            return None;
        }

        let exponent = match exponent {
            None => 0,
            Some(text) => {
                let (negative, digits) = match text.as_bytes().first() {
                    Some(b'-') => (true, &text[1..]),
                    Some(b'+') => (false, &text[1..]),
                    _ => (false, text),
                };
                if digits.is_empty() || !all_digits(digits) {
                    return None;
                }
                let magnitude = digits.bytes().fold(0_i64, |acc, b| {
                    acc.saturating_mul(10).saturating_add(i64::from(b - b'0'))
                });
                if negative {
                    -magnitude
                } else {
                    magnitude
                }
            }
        };
        Some(Decimal {
            int: int.as_bytes(),
            frac: frac.as_bytes(),
            exponent,
        })
    }

    fn len(&self) -> usize {
        self.int.len() + self.frac.len()
    }

    /// The `i`-th digit of `int` followed by `frac`.
    fn digit(&self, i: usize) -> u8 {
        let byte = if i < self.int.len() {
            self.int[i]
        } else {
            self.frac[i - self.int.len()]
        };
        byte - b'0'
    }

    /// The power of ten that the `i`-th digit stands for.
    fn weight(&self, i: usize) -> i128 {
        self.int.len() as i128 - 1 - i as i128 + i128::from(self.exponent)
    }

    /// The positions of the first and last non-zero digits, or `None` for zero.
    fn significant_span(&self) -> Option<(usize, usize)> {
        let first = (0..self.len()).find(|&i| self.digit(i) != 0)?;
        let last = (first..self.len()).rev().find(|&i| self.digit(i) != 0)?;
        Some((first, last))
    }
}

/// The start of `input`, short enough to repeat in an error message.
fn excerpt(input: &str) -> String {
    match input.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((end, _)) => format!("{}...", &input[..end]),
        None => input.to_string(),
    }
}

impl fmt::Display for Qty {
    /// The shortest exact decimal: `10`, `0.5`, `-4.25`, `0`, `0.0001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let whole = magnitude / SCALE as u64;
        let fraction = magnitude % SCALE as u64;
        if fraction == 0 {
            return write!(f, "{sign}{whole}");
        }
        let digits = format!("{fraction:04}");
        write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
    }
}

impl FromStr for Qty {
    type Err = QtyError;

    /// Same as [`Qty::parse`].
    fn from_str(s: &str) -> Result<Qty, QtyError> {
        Qty::parse(s)
    }
}

/// Saturating: see [`Qty`].
impl Add for Qty {
    type Output = Qty;

    fn add(self, other: Qty) -> Qty {
        Qty(self.0.saturating_add(other.0))
    }
}

/// Saturating: see [`Qty`].
impl Sub for Qty {
    type Output = Qty;

    fn sub(self, other: Qty) -> Qty {
        Qty(self.0.saturating_sub(other.0))
    }
}

/// Saturating: see [`Qty`].
impl Neg for Qty {
    type Output = Qty;

    fn neg(self) -> Qty {
        Qty(self.0.saturating_neg())
    }
}

impl AddAssign for Qty {
    fn add_assign(&mut self, other: Qty) {
        *self = *self + other;
    }
}

impl SubAssign for Qty {
    fn sub_assign(&mut self, other: Qty) {
        *self = *self - other;
    }
}

/// Saturating: see [`Qty`].
impl Sum for Qty {
    fn sum<I: Iterator<Item = Qty>>(iter: I) -> Qty {
        iter.fold(Qty::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Qty> for Qty {
    fn sum<I: Iterator<Item = &'a Qty>>(iter: I) -> Qty {
        iter.copied().sum()
    }
}

/// Why a text is not a quantity. Each variant but `Empty` holds the text (its first 40
/// characters when longer) so that the message can repeat it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QtyError {
    /// The text is empty or only whitespace.
    Empty,
    /// The text is `NaN`, in any case.
    NotANumber(String),
    /// The text is `Infinity` or `inf`, with either sign, in any case.
    Infinite(String),
    /// The value has more than four decimal places.
    TooPrecise(String),
    /// The absolute value is 10^8 or more.
    TooLarge(String),
    /// The text is not a decimal number.
    Malformed(String),
}

impl QtyError {
    /// What is wrong, as the end of a sentence about the value: `has more than 4 decimal
    /// places`. Callers that name the value themselves (a CSV column, say) append this.
    pub fn reason(&self) -> String {
        match self {
            QtyError::Empty => "is empty".to_string(),
            QtyError::NotANumber(_) | QtyError::Malformed(_) => "is not a number".to_string(),
            QtyError::Infinite(_) => "is infinite".to_string(),
            QtyError::TooPrecise(_) => {
                format!("has more than {DECIMAL_PLACES} decimal places")
            }
            QtyError::TooLarge(_) => {
                format!("is out of range (absolute value must be below {LIMIT})")
            }
        }
    }
}

impl fmt::Display for QtyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = self.reason();
        match self {
            QtyError::Empty => write!(f, "quantity {reason}"),
            QtyError::Malformed(text) => write!(f, "quantity {text:?} {reason}"),
            QtyError::NotANumber(text)
            | QtyError::Infinite(text)
            | QtyError::TooPrecise(text)
            | QtyError::TooLarge(text) => write!(f, "quantity {text} {reason}"),
        }
    }
}

impl std::error::Error for QtyError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Qty {
        Qty::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    #[test]
    fn integers_and_fractions_parse_exactly() {
        assert_eq!(q("10"), Qty::from_units(100_000));
        assert_eq!(q("0.5"), Qty::from_units(5_000));
        assert_eq!(q("-4.25"), Qty::from_units(-42_500));
        assert_eq!(q("+3"), Qty::from_int(3));
        assert_eq!(q("0.0001"), Qty::from_units(1));
        assert_eq!(q("99999999.9999"), Qty::from_units(999_999_999_999));
        assert_eq!(q("-99999999.9999"), Qty::from_units(-999_999_999_999));
    }

    #[test]
    fn postgres_numeric_output_with_trailing_zeros_parses() {
        assert_eq!(q("100.0000"), Qty::from_int(100));
        assert_eq!(q("1.50000"), Qty::from_units(15_000));
        assert_eq!(q("0.000100000000"), Qty::from_units(1));
        assert_eq!(q("007.5"), Qty::from_units(75_000));
    }

    #[test]
    fn a_fraction_may_lack_digits_on_one_side_of_the_point() {
        assert_eq!(q("5."), Qty::from_int(5));
        assert_eq!(q(".5"), Qty::from_units(5_000));
        assert_eq!(Qty::parse("."), Err(QtyError::Malformed(".".into())));
    }

    #[test]
    fn exponents_are_allowed_while_the_value_stays_exact() {
        assert_eq!(q("1e2"), Qty::from_int(100));
        assert_eq!(q("2.5E-1"), Qty::from_units(2_500));
        assert_eq!(q("1E+2"), Qty::from_int(100));
        assert_eq!(q("12345e-4"), Qty::from_units(12_345));
        assert_eq!(q("0.00001e1"), Qty::from_units(1));
        assert_eq!(q("9.99999999e7"), Qty::from_units(999_999_999_000));
        assert_eq!(Qty::parse("1e-5"), Err(QtyError::TooPrecise("1e-5".into())));
        assert_eq!(Qty::parse("1e8"), Err(QtyError::TooLarge("1e8".into())));
    }

    #[test]
    fn zero_in_any_spelling_is_zero() {
        for text in [
            "0",
            "-0",
            "+0",
            "0.0000",
            "0e999999999999",
            "0.000e-50",
            "00",
        ] {
            assert_eq!(q(text), Qty::ZERO, "{text}");
        }
    }

    #[test]
    fn empty_or_blank_text_is_empty() {
        assert_eq!(Qty::parse(""), Err(QtyError::Empty));
        assert_eq!(Qty::parse("   "), Err(QtyError::Empty));
        assert_eq!(Qty::parse("\t\n"), Err(QtyError::Empty));
        assert_eq!(QtyError::Empty.to_string(), "quantity is empty");
    }

    #[test]
    fn nan_in_any_case_is_not_a_number() {
        for text in ["NaN", "nan", "NAN", "-NaN", "+nan"] {
            assert_eq!(
                Qty::parse(text),
                Err(QtyError::NotANumber(text.into())),
                "{text}"
            );
        }
        assert_eq!(
            Qty::parse("NaN").unwrap_err().to_string(),
            "quantity NaN is not a number"
        );
    }

    #[test]
    fn infinity_with_either_sign_is_infinite() {
        for text in ["Infinity", "-Infinity", "+infinity", "inf", "-INF"] {
            assert_eq!(
                Qty::parse(text),
                Err(QtyError::Infinite(text.into())),
                "{text}"
            );
        }
        assert_eq!(
            Qty::parse("-Infinity").unwrap_err().to_string(),
            "quantity -Infinity is infinite"
        );
    }

    #[test]
    fn qty_with_five_decimals_is_too_precise() {
        assert_eq!(
            Qty::parse("1.00001"),
            Err(QtyError::TooPrecise("1.00001".into()))
        );
        assert_eq!(
            Qty::parse("1.00001").unwrap_err().to_string(),
            "quantity 1.00001 has more than 4 decimal places"
        );
        assert_eq!(
            Qty::parse("0.12345"),
            Err(QtyError::TooPrecise("0.12345".into()))
        );
    }

    #[test]
    fn absolute_value_of_ten_to_the_eighth_is_too_large() {
        assert_eq!(
            Qty::parse("100000000"),
            Err(QtyError::TooLarge("100000000".into()))
        );
        assert_eq!(
            Qty::parse("-100000000"),
            Err(QtyError::TooLarge("-100000000".into()))
        );
        assert_eq!(
            Qty::parse("1e9").unwrap_err().to_string(),
            "quantity 1e9 is out of range (absolute value must be below 100000000)"
        );
    }

    #[test]
    fn other_shapes_are_malformed() {
        for text in [
            " 1",
            "1 ",
            "1 000",
            "abc",
            "1.2.3",
            "--1",
            "+-1",
            "-",
            "+",
            "1e",
            "e5",
            "1e+",
            "1e2.5",
            "0x10",
            "1_000",
            "1,5",
            "١",
            "Infinityy",
            "nan1",
            "1e--2",
        ] {
            assert_eq!(
                Qty::parse(text),
                Err(QtyError::Malformed(text.into())),
                "{text:?}"
            );
        }
        assert_eq!(
            Qty::parse("abc").unwrap_err().to_string(),
            "quantity \"abc\" is not a number"
        );
    }

    #[test]
    fn huge_inputs_neither_overflow_nor_panic() {
        assert!(matches!(
            Qty::parse("1e999999999999"),
            Err(QtyError::TooLarge(_))
        ));
        assert!(matches!(
            Qty::parse("1e99999999999999999999999"),
            Err(QtyError::TooLarge(_))
        ));
        assert!(matches!(
            Qty::parse("1e-99999999999999999999999"),
            Err(QtyError::TooPrecise(_))
        ));
        assert!(matches!(
            Qty::parse(&"9".repeat(10_000)),
            Err(QtyError::TooLarge(_))
        ));

        let tiny = format!("0.{}1", "0".repeat(10_000));
        assert!(matches!(Qty::parse(&tiny), Err(QtyError::TooPrecise(_))));

        let long_zeros = format!("{}1.5{}", "0".repeat(10_000), "0".repeat(10_000));
        assert_eq!(q(&long_zeros), Qty::from_units(15_000));

        let shifted = format!("{}e-10000", "1".to_string() + &"0".repeat(10_000));
        assert_eq!(q(&shifted), Qty::from_int(1));
    }

    #[test]
    fn errors_quote_only_the_start_of_a_long_input() {
        let message = Qty::parse(&"x".repeat(10_000)).unwrap_err().to_string();
        assert!(message.len() < 80, "{message}");
        assert!(message.starts_with("quantity \"xxxx"), "{message}");
    }

    #[test]
    fn random_text_never_panics_and_every_accepted_value_round_trips() {
        let alphabet = b"0123456789.eE+-nNaAiIfF x";
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            let len = (next() % 14) as usize;
            let text: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize] as char)
                .collect();
            if let Ok(qty) = Qty::parse(&text) {
                assert!(qty.is_in_range(), "{text}");
                assert_eq!(Qty::parse(&qty.to_string()), Ok(qty), "{text}");
            }
        }
    }

    #[test]
    fn display_is_the_shortest_exact_decimal() {
        assert_eq!(Qty::from_int(10).to_string(), "10");
        assert_eq!(Qty::from_units(5_000).to_string(), "0.5");
        assert_eq!(Qty::from_units(-42_500).to_string(), "-4.25");
        assert_eq!(Qty::ZERO.to_string(), "0");
        assert_eq!(Qty::from_units(1).to_string(), "0.0001");
        assert_eq!(Qty::from_units(-1).to_string(), "-0.0001");
        assert_eq!(Qty::from_units(1_230).to_string(), "0.123");
        assert_eq!(
            Qty::from_units(i64::MIN).to_string(),
            "-922337203685477.5808"
        );
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(q("0.1") + q("0.2"), q("0.3"));
        assert_eq!(q("10") - q("15"), q("-5"));
        assert_eq!(-q("4.25"), q("-4.25"));
        let mut total = q("1.5");
        total += q("2");
        total -= q("0.25");
        assert_eq!(total, q("3.25"));
        assert_eq!([q("-4"), q("3")].iter().sum::<Qty>(), q("-1"));
        assert_eq!(q("-4").abs(), q("4"));
        assert_eq!(q("2").min(q("-3")), q("-3"));
        assert_eq!(q("2").max(q("-3")), q("2"));
    }

    #[test]
    fn sums_far_beyond_the_range_saturate_instead_of_panicking() {
        let largest = q("99999999.9999");
        let total: Qty = std::iter::repeat_n(largest, 9_000_000).sum();
        assert_eq!(total.units(), 999_999_999_999 * 9_000_000);

        let saturated: Qty = std::iter::repeat_n(largest, 10_000_000).sum();
        assert_eq!(saturated.units(), i64::MAX);
        assert_eq!(-Qty::from_units(i64::MIN), Qty::from_units(i64::MAX));
        assert_eq!(
            Qty::from_units(i64::MAX).checked_add(Qty::from_units(1)),
            None
        );
        assert_eq!(Qty::from_int(i64::MAX), Qty::from_units(i64::MAX));
    }

    #[test]
    fn a_sum_past_the_range_is_reported_as_too_large() {
        let sum = q("60000000") + q("50000000");
        assert!(!sum.is_in_range());
        assert_eq!(sum.in_range(), Err(QtyError::TooLarge("110000000".into())));
        assert_eq!(q("99999999.9999").in_range(), Ok(q("99999999.9999")));
    }

    #[test]
    fn integral_and_sign_predicates() {
        assert!(q("3").is_integral());
        assert!(q("-3").is_integral());
        assert!(!q("3.5").is_integral());
        assert!(!q("-0.0001").is_integral());
        assert!(q("0.0001").is_positive());
        assert!(q("-0.0001").is_negative());
        assert!(!Qty::ZERO.is_positive() && !Qty::ZERO.is_negative());
    }

    #[test]
    fn half_is_a_multiple_of_a_tenth() {
        assert!(q("0.5").is_multiple_of(q("0.1")));
        assert!(q("0.3").is_multiple_of(q("0.1")));
        assert!(!q("0.35").is_multiple_of(q("0.1")));
        assert!(q("6").is_multiple_of(q("3")));
        assert!(!q("7").is_multiple_of(q("3")));
        assert!(q("-6").is_multiple_of(q("1.5")));
        assert!(q("0").is_multiple_of(q("2")));
    }

    #[test]
    fn multiple_tolerance_is_a_ten_thousandth_of_the_increment() {
        // Increment 3: tolerance 0.0003, so a remainder of 0.0002 either way counts as none.
        assert!(q("6.0002").is_multiple_of(q("3")));
        assert!(q("5.9998").is_multiple_of(q("3")));
        assert!(!q("6.0003").is_multiple_of(q("3")));
        assert!(!q("5.9997").is_multiple_of(q("3")));
        // Increment 1: the tolerance is below one unit, so only exact multiples pass.
        assert!(!q("2.0001").is_multiple_of(q("1")));
    }

    #[test]
    fn every_quantity_is_a_multiple_of_a_zero_increment() {
        assert!(q("1.2345").is_multiple_of(Qty::ZERO));
    }
}
