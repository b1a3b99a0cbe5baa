//! The body of a settings change: known keys only, each with the type and bounds its [`SettingKey`]
//! states. The settings service parses every value through `SettingKey::parse`.

use super::pattern;
use domain::locale::Locale;
use domain::settings::{SettingKey, SettingType};
use domain::text::CONTROL;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// New values keyed by setting. Unknown keys are refused by the settings service (and closed in the
/// document, like every request object).
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct SettingValues(pub BTreeMap<String, Value>);

/// The schema of one setting's value, from its type and bounds.
fn value_schema(key: SettingKey) -> MetaSchema {
    match key.setting_type() {
        SettingType::Bool => MetaSchema::new("boolean"),
        SettingType::Integer { min, max } => {
            MetaSchema { minimum: Some(min as f64), maximum: Some(max as f64), ..MetaSchema::new("integer") }
        }
        SettingType::Text { min, max } => MetaSchema {
            min_length: Some(min.max(1)),
            pattern: Some(pattern::trimmed(min, max, CONTROL)),
            ..MetaSchema::new("string")
        },
        SettingType::Locale => MetaSchema {
            enum_items: Locale::ALL.iter().map(|l| l.as_str().into()).collect(),
            ..MetaSchema::new("string")
        },
    }
}

impl Type for SettingValues {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "SettingValues".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let properties =
            SettingKey::ALL.iter().map(|k| (k.as_str(), MetaSchemaRef::Inline(Box::new(value_schema(*k)))));
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            properties: properties.collect(),
            min_properties: Some(1),
            max_properties: Some(SettingKey::ALL.len()),
            ..MetaSchema::new("object")
        }))
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromJSON for SettingValues {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::Object(map)) => Ok(Self(map.into_iter().collect())),
            Some(other) => Err(ParseError::expected_type(other)),
            None => Err(ParseError::expected_input()),
        }
    }
}

impl ToJSON for SettingValues {
    fn to_json(&self) -> Option<Value> {
        Some(Value::Object(self.0.clone().into_iter().collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;
    use serde_json::json;

    #[test]
    fn every_key_is_documented_with_its_type_and_bounds() {
        let MetaSchemaRef::Inline(schema) = SettingValues::schema_ref() else { panic!("inline") };
        assert_eq!(schema.properties.len(), SettingKey::ALL.len());
        assert_eq!(schema.max_properties, Some(SettingKey::ALL.len()));
        let of = |key: SettingKey| value_schema(key);
        assert_eq!(of(SettingKey::RegistrationOpen).ty, "boolean");
        assert_eq!(of(SettingKey::LoginFailures).maximum, Some(1000.0));
        assert_eq!(of(SettingKey::DefaultLocale).enum_items, vec![json!("zh-CN"), json!("en")]);
    }

    #[test]
    fn text_settings_fit_the_pattern_exactly_when_they_parse() {
        let schema = value_schema(SettingKey::SiteName);
        let re = Regex::new(schema.pattern.as_deref().unwrap_or_default()).expect("pattern");
        for raw in ["交易所", " exchange ", "", "  ", "a\u{1}b", &"x".repeat(64), &"x".repeat(65)] {
            assert_eq!(re.is_match(raw), SettingKey::SiteName.parse(&json!(raw)).is_ok(), "{raw:?}");
        }
    }
}
