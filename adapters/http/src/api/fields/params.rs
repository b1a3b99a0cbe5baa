//! Path and query parameters whose rule belongs to the domain: documented from its constants.

use domain::settings::SettingKey;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromParameter, ParseResult, Type};
use std::borrow::Cow;

/// A whole number documented as `MIN..=MAX`, bounds that are a domain constant. It parses as any `u32`:
/// the domain type it feeds (`PageRequest`, `HistoryQuery`, the daily series) refuses a number outside
/// them, with the same code and bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounded<const MIN: u32, const MAX: u32>(pub u32);

impl<const MIN: u32, const MAX: u32> Type for Bounded<MIN, MAX> {
    const IS_REQUIRED: bool = true;
    type RawValueType = u32;
    type RawElementValueType = u32;

    fn name() -> Cow<'static, str> {
        "integer_uint32".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            minimum: Some(f64::from(MIN)),
            maximum: Some(f64::from(MAX)),
            ..MetaSchema::new_with_format("integer", "uint32")
        }))
    }

    fn as_raw_value(&self) -> Option<&u32> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a u32> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl<const MIN: u32, const MAX: u32> ParseFromParameter for Bounded<MIN, MAX> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        u32::parse_from_parameter(value).map(Self).map_err(ParseError::propagate)
    }
}

/// A setting's dotted key in a path: one of [`SettingKey::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettingKeyParam(pub SettingKey);

impl Type for SettingKeyParam {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "SettingKey".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let keys = SettingKey::ALL.iter().map(|k| k.as_str().into()).collect();
        MetaSchemaRef::Inline(Box::new(MetaSchema { enum_items: keys, ..MetaSchema::new("string") }))
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromParameter for SettingKeyParam {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        value.parse::<SettingKey>().map(Self).map_err(|e| ParseError::custom(e.violation))
    }
}

/// A UUID in its hyphenated form.
const UUID: &str = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/// A conversation id in a path, `d:<user id>:<user id>` or `g:<group id>`, as `ConversationId` writes it.
/// The handler parses it (`ConversationId::from_str`), so a refusal keeps its own code and field; that
/// the smaller user id comes first is said in the description (no pattern can).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationIdParam(pub String);

impl Type for ConversationIdParam {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let pattern = format!("^(d:{UUID}:{UUID}|g:{UUID})$");
        MetaSchemaRef::Inline(Box::new(MetaSchema { pattern: Some(pattern), ..MetaSchema::new("string") }))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromParameter for ConversationIdParam {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        Ok(Self(value.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::chat::ConversationId;
    use regex::Regex;

    #[test]
    fn setting_keys_are_the_domains_and_nothing_else() {
        for key in SettingKey::ALL {
            assert_eq!(SettingKeyParam::parse_from_parameter(key.as_str()).ok(), Some(SettingKeyParam(*key)));
        }
        assert!(SettingKeyParam::parse_from_parameter("site.nope").is_err());
        let MetaSchemaRef::Inline(schema) = SettingKeyParam::schema_ref() else { panic!("inline") };
        assert_eq!(schema.enum_items.len(), SettingKey::ALL.len());
    }

    #[test]
    fn hyphenated_conversation_ids_fit_the_pattern_exactly_when_they_parse() {
        let MetaSchemaRef::Inline(schema) = ConversationIdParam::schema_ref() else { panic!("inline") };
        let re = Regex::new(schema.pattern.as_deref().unwrap_or_default()).expect("pattern");
        let (a, b) = ("0193a1b2-7c00-7aaa-8bbb-0123456789ab", "0193a1b9-7c00-7aaa-8bbb-0123456789AB");
        for raw in [format!("d:{a}:{b}"), format!("g:{a}"), format!("x:{a}"), format!("g:{a}:"), "g:".into()] {
            assert_eq!(re.is_match(&raw), raw.parse::<ConversationId>().is_ok(), "{raw}");
        }
    }

    #[test]
    fn bounded_numbers_state_their_bounds_and_parse_any_u32() {
        let MetaSchemaRef::Inline(schema) = Bounded::<1, 92>::schema_ref() else { panic!("inline") };
        assert_eq!((schema.minimum, schema.maximum), (Some(1.0), Some(92.0)));
        assert_eq!(Bounded::<1, 92>::parse_from_parameter("500").ok(), Some(Bounded(500)));
        assert!(Bounded::<1, 92>::parse_from_parameter("x").is_err());
    }
}
