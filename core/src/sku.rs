//! What a SKU and a source code may look like, and how SKUs compare.
//!
//! SKUs compare case-insensitively, as they do in a Magento catalog on MySQL: `ABC-1` and
//! `abc-1` are one SKU. [`sku_key`] is the form to compare and index them by.

use std::fmt;

/// The most characters a SKU may have.
pub const MAX_SKU_CHARS: usize = 64;

/// The most characters a source code may have.
pub const MAX_SOURCE_CODE_CHARS: usize = 255;

/// The longest excerpt of a rejected value that an error message repeats.
const MAX_QUOTED_CHARS: usize = 80;

/// Why a SKU or a source code is rejected. Variants holding text hold the rejected value, cut
/// to its first 80 characters when longer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkuError {
    /// The SKU is the empty string.
    EmptySku,
    /// The SKU has more than [`MAX_SKU_CHARS`] characters.
    SkuTooLong(String),
    /// The SKU starts or ends with whitespace.
    SkuPadded(String),
    /// The SKU contains a NUL character, which PostgreSQL text cannot hold.
    SkuHasNul(String),
    /// The source code is the empty string.
    EmptySourceCode,
    /// The source code has more than [`MAX_SOURCE_CODE_CHARS`] characters.
    SourceCodeTooLong(String),
    /// The source code contains whitespace.
    SourceCodeWhitespace(String),
}

/// Accepts a SKU that is non-empty, has at most 64 characters (Unicode scalar values, not
/// bytes), neither starts nor ends with Unicode whitespace and holds no NUL character. Inner
/// spaces are allowed.
pub fn validate_sku(sku: &str) -> Result<(), SkuError> {
    if sku.is_empty() {
        return Err(SkuError::EmptySku);
    }
    if sku.trim() != sku {
        return Err(SkuError::SkuPadded(excerpt(sku)));
    }
    if sku.chars().count() > MAX_SKU_CHARS {
        return Err(SkuError::SkuTooLong(excerpt(sku)));
    }
    if sku.contains('\0') {
        return Err(SkuError::SkuHasNul(excerpt(sku)));
    }
    Ok(())
}

/// Accepts a source code that is non-empty, has no Unicode whitespace anywhere and has at most
/// 255 characters.
pub fn validate_source_code(code: &str) -> Result<(), SkuError> {
    if code.is_empty() {
        return Err(SkuError::EmptySourceCode);
    }
    if code.chars().any(char::is_whitespace) {
        return Err(SkuError::SourceCodeWhitespace(excerpt(code)));
    }
    if code.chars().count() > MAX_SOURCE_CODE_CHARS {
        return Err(SkuError::SourceCodeTooLong(excerpt(code)));
    }
    Ok(())
}

/// Whether a text is a valid id of the caller's (an order, shipment or credit memo id): 1 to
/// 255 characters with no leading or trailing Unicode whitespace.
pub fn is_valid_id(id: &str) -> bool {
    let count = id.chars().count();
    (1..=MAX_SOURCE_CODE_CHARS).contains(&count)
        && !id.starts_with(char::is_whitespace)
        && !id.ends_with(char::is_whitespace)
}

/// The case-folded form of a SKU: two SKUs are the same SKU exactly when their keys are
/// equal. The key is for comparing only; the spelling first stored is what is kept.
pub fn sku_key(sku: &str) -> String {
    sku.to_lowercase()
}

/// Whether two SKUs are the same SKU, ignoring case.
pub fn same_sku(a: &str, b: &str) -> bool {
    a == b || sku_key(a) == sku_key(b)
}

fn excerpt(value: &str) -> String {
    match value.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((end, _)) => format!("{}...", &value[..end]),
        None => value.to_string(),
    }
}

impl fmt::Display for SkuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkuError::EmptySku => write!(f, "SKU must not be empty"),
            SkuError::SkuTooLong(sku) => {
                write!(f, "SKU {sku:?} is longer than {MAX_SKU_CHARS} characters")
            }
            SkuError::SkuPadded(sku) => {
                write!(f, "SKU {sku:?} has leading or trailing whitespace")
            }
            SkuError::SkuHasNul(sku) => write!(f, "SKU {sku:?} contains a NUL character"),
            SkuError::EmptySourceCode => write!(f, "source code must not be empty"),
            SkuError::SourceCodeTooLong(code) => write!(
                f,
                "source code {code:?} is longer than {MAX_SOURCE_CODE_CHARS} characters"
            ),
            SkuError::SourceCodeWhitespace(code) => {
                write!(f, "source code {code:?} must not contain whitespace")
            }
        }
    }
}

impl std::error::Error for SkuError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_skus_are_valid() {
        assert_eq!(validate_sku("24-MB01"), Ok(()));
        assert_eq!(validate_sku("MH01-XS-Black"), Ok(()));
        assert_eq!(validate_sku("with inner space"), Ok(()));
        assert_eq!(validate_sku("x"), Ok(()));
    }

    #[test]
    fn empty_sku_is_rejected() {
        assert_eq!(validate_sku(""), Err(SkuError::EmptySku));
        assert_eq!(SkuError::EmptySku.to_string(), "SKU must not be empty");
    }

    #[test]
    fn padded_sku_is_rejected_naming_it() {
        assert_eq!(validate_sku(" A"), Err(SkuError::SkuPadded(" A".into())));
        assert_eq!(
            validate_sku("a\0b"),
            Err(SkuError::SkuHasNul("a\0b".into()))
        );
        assert_eq!(
            validate_sku(" A").unwrap_err().to_string(),
            "SKU \" A\" has leading or trailing whitespace"
        );
        assert!(validate_sku("A ").is_err());
        assert!(validate_sku("A\t").is_err());
        assert!(
            validate_sku("\u{3000}A").is_err(),
            "ideographic space is whitespace"
        );
        assert!(
            validate_sku("A\u{a0}").is_err(),
            "no-break space is whitespace"
        );
        assert!(validate_sku(" ").is_err());
    }

    #[test]
    fn sku_limit_counts_characters_not_bytes() {
        assert_eq!(validate_sku(&"é".repeat(64)), Ok(()));
        assert_eq!(validate_sku(&"a".repeat(64)), Ok(()));
        let long = "a".repeat(65);
        assert_eq!(validate_sku(&long), Err(SkuError::SkuTooLong(long.clone())));
        assert_eq!(
            validate_sku(&long).unwrap_err().to_string(),
            format!("SKU \"{long}\" is longer than 64 characters")
        );
    }

    #[test]
    fn a_very_long_sku_is_quoted_only_in_part() {
        let message = validate_sku(&"b".repeat(100_000)).unwrap_err().to_string();
        assert!(message.len() < 150, "{message}");
    }

    #[test]
    fn source_codes_must_be_non_empty_without_whitespace() {
        assert_eq!(validate_source_code("default"), Ok(()));
        assert_eq!(validate_source_code("eu-west_2"), Ok(()));
        assert_eq!(validate_source_code(""), Err(SkuError::EmptySourceCode));
        assert_eq!(
            validate_source_code("eu west").unwrap_err().to_string(),
            "source code \"eu west\" must not contain whitespace"
        );
        assert!(validate_source_code("eu\nwest").is_err());
        assert_eq!(validate_source_code(&"s".repeat(255)), Ok(()));
        assert!(matches!(
            validate_source_code(&"s".repeat(256)),
            Err(SkuError::SourceCodeTooLong(_))
        ));
    }

    #[test]
    fn skus_differing_only_in_case_share_a_key() {
        assert_eq!(sku_key("ABC-1"), sku_key("abc-1"));
        assert_eq!(sku_key("ABC-1"), "abc-1");
        assert_ne!(sku_key("ABC-1"), sku_key("ABC-2"));
        assert!(same_sku("ÄBC-1", "äbc-1"));
        assert!(same_sku("MH01-xs-black", "MH01-XS-Black"));
    }

    #[test]
    fn ids_have_1_to_255_characters_and_no_surrounding_whitespace() {
        assert!(is_valid_id("100000123"));
        assert!(is_valid_id("order 7"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id(" 1"));
        assert!(!is_valid_id("1\u{00a0}"));
        assert!(is_valid_id(&"x".repeat(255)));
        assert!(!is_valid_id(&"x".repeat(256)));
    }
}
