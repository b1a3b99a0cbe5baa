//! Request fields whose rule belongs to a domain type. Each documents itself from the domain's constants
//! and parses through the domain while the body is read, so no handler re-checks a field, nothing patches
//! the generated document, and what the document allows is what the server accepts.
//!
//! A field is a [`Text`] over a [`Rule`]: the rule gives the schema (from the domain type's constants) and
//! the check (the domain type's own parse). A refusal is named by its JSON path ([`super::json_body`]), so
//! `current_password` and `new_password` are named as the client sent them.

mod params;
pub(crate) mod pattern;
mod settings;

pub use params::{Bounded, ConversationIdParam, SettingKeyParam};
pub use settings::SettingValues;

use super::json_body::refuse;
use domain::Violation;
use domain::chat::{GroupName, MAX_TEXT_CHARS, MessageBody, MessageKind};
use domain::session::REFRESH_TOKEN_LENGTH;
use domain::text::{CONTROL, CharBounds};
use domain::user::{Email, LOGIN_LENGTH, Password, Username};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// What a text field must be: its schema and its check, both from one domain type.
pub trait Rule: Send + Sync + 'static {
    /// Whether the value is a secret (`Debug` then hides it).
    const SECRET: bool = false;
    /// The field's schema, built from the domain type's constants.
    fn schema() -> MetaSchema;
    /// The domain type's parse, keeping only why it refused.
    fn check(raw: &str) -> Result<(), Violation>;
}

/// A string field that exists only if its [`Rule`] accepted it. It keeps the text as sent: the use cases
/// take strings and parse them through the same domain type.
pub struct Text<R>(String, PhantomData<R>);

impl<R: Rule> Text<R> {
    /// The text as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text as sent, owned.
    pub fn into_inner(self) -> String {
        self.0
    }

    /// A value for the documented examples; a test parses every example through its rule.
    pub(crate) fn example(raw: &str) -> Self {
        Self(raw.to_owned(), PhantomData)
    }
}

impl<R: Rule> fmt::Debug for Text<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if R::SECRET { f.write_str("***") } else { fmt::Debug::fmt(&self.0, f) }
    }
}

impl<R: Rule> Type for Text<R> {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(R::schema()))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl<R: Rule> ParseFromJSON for Text<R> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value {
            Some(Value::String(raw)) => match R::check(&raw) {
                Ok(()) => Ok(Self(raw, PhantomData)),
                Err(violation) => Err(ParseError::custom(violation)),
            },
            Some(other) => Err(ParseError::expected_type(other)),
            None => Err(ParseError::expected_input()),
        }
    }
}

impl<R: Rule> ToJSON for Text<R> {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.clone()))
    }
}

impl<'de, R: Rule> Deserialize<'de> for Text<R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        match R::check(&raw) {
            Ok(()) => Ok(Self(raw, PhantomData)),
            Err(violation) => Err(refuse(violation)),
        }
    }
}

/// A string schema of `bounds` characters.
fn text_schema(bounds: CharBounds) -> MetaSchema {
    MetaSchema { min_length: Some(bounds.min), max_length: Some(bounds.max), ..MetaSchema::new("string") }
}

/// A username ([`Username`]): its length and alphabet.
pub struct UsernameRule;

impl Rule for UsernameRule {
    fn schema() -> MetaSchema {
        MetaSchema { pattern: Some(pattern::only(Username::ALPHABET)), ..text_schema(Username::LENGTH) }
    }

    fn check(raw: &str) -> Result<(), Violation> {
        Username::parse(raw).map(drop).map_err(|e| e.violation)
    }
}

/// An e-mail address ([`Email`]).
pub struct EmailRule;

impl Rule for EmailRule {
    fn schema() -> MetaSchema {
        MetaSchema { format: Some("email"), ..text_schema(CharBounds::new(Email::MIN_LEN, Email::MAX_LEN)) }
    }

    fn check(raw: &str) -> Result<(), Violation> {
        Email::parse(raw).map(drop).map_err(|e| e.violation)
    }
}

/// A new password's form ([`Password::check_form`]); its strength needs the account's name and e-mail,
/// so the use case checks that.
pub struct NewPasswordRule;

impl Rule for NewPasswordRule {
    const SECRET: bool = true;

    fn schema() -> MetaSchema {
        MetaSchema { pattern: Some(pattern::none_of(CONTROL)), ..text_schema(Password::LENGTH) }
    }

    fn check(raw: &str) -> Result<(), Violation> {
        Password::check_form(raw)
    }
}

/// A password that is only compared (login, current password): [`Password::CANDIDATE_LENGTH`].
pub struct CandidatePasswordRule;

impl Rule for CandidatePasswordRule {
    const SECRET: bool = true;

    fn schema() -> MetaSchema {
        text_schema(Password::CANDIDATE_LENGTH)
    }

    fn check(raw: &str) -> Result<(), Violation> {
        Password::CANDIDATE_LENGTH.check(raw)
    }
}

/// What a sign-in names ([`LOGIN_LENGTH`]).
pub struct LoginRule;

impl Rule for LoginRule {
    fn schema() -> MetaSchema {
        text_schema(LOGIN_LENGTH)
    }

    fn check(raw: &str) -> Result<(), Violation> {
        LOGIN_LENGTH.check(raw)
    }
}

/// A presented refresh token ([`REFRESH_TOKEN_LENGTH`]).
pub struct RefreshTokenRule;

impl Rule for RefreshTokenRule {
    const SECRET: bool = true;

    fn schema() -> MetaSchema {
        text_schema(REFRESH_TOKEN_LENGTH)
    }

    fn check(raw: &str) -> Result<(), Violation> {
        REFRESH_TOKEN_LENGTH.check(raw)
    }
}

/// `GroupName`'s bounds after trimming. The chat domain does not publish them yet; the tests hold this
/// to [`GroupName::parse`] at both ends.
const GROUP_NAME_LENGTH: CharBounds = CharBounds::new(1, 64);

/// A group name ([`GroupName`]): trimmed, then 1-64 characters, no control characters.
pub struct GroupNameRule;

impl Rule for GroupNameRule {
    fn schema() -> MetaSchema {
        let (min, max) = (GROUP_NAME_LENGTH.min, GROUP_NAME_LENGTH.max);
        MetaSchema {
            min_length: Some(min),
            pattern: Some(pattern::trimmed(min, max, CONTROL)),
            ..MetaSchema::new("string")
        }
    }

    fn check(raw: &str) -> Result<(), Violation> {
        GroupName::parse(raw).map(drop).map_err(|e| e.violation)
    }
}

/// A notice's text: a text message body ([`MessageBody`]), not blank, up to [`MAX_TEXT_CHARS`], no control
/// characters but newline and tab.
pub struct NoticeRule;

impl Rule for NoticeRule {
    fn schema() -> MetaSchema {
        let forbidden = pattern::excluding(CONTROL, &['\t', '\n']);
        MetaSchema { pattern: Some(pattern::not_blank(&forbidden)), ..text_schema(CharBounds::new(1, MAX_TEXT_CHARS)) }
    }

    fn check(raw: &str) -> Result<(), Violation> {
        MessageBody::parse(MessageKind::System, &Value::String(raw.to_owned())).map(drop).map_err(|e| e.violation)
    }
}

/// A username field.
pub type UsernameText = Text<UsernameRule>;
/// An e-mail field.
pub type EmailText = Text<EmailRule>;
/// A new password field.
pub type NewPasswordText = Text<NewPasswordRule>;
/// A compared-only password field.
pub type CandidatePasswordText = Text<CandidatePasswordRule>;
/// A login (username or e-mail) field.
pub type LoginText = Text<LoginRule>;
/// A refresh token field.
pub type RefreshTokenText = Text<RefreshTokenRule>;
/// A group name field.
pub type GroupNameText = Text<GroupNameRule>;
/// A notice text field.
pub type NoticeText = Text<NoticeRule>;

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    /// The schema's pattern and length bounds, applied as a JSON Schema validator would.
    fn fits<R: Rule>(raw: &str) -> bool {
        let schema = R::schema();
        let len = raw.chars().count();
        schema.min_length.is_none_or(|min| len >= min)
            && schema.max_length.is_none_or(|max| len <= max)
            && schema.pattern.as_deref().is_none_or(|p| Regex::new(p).is_ok_and(|re| re.is_match(raw)))
    }

    /// The document and the parse agree on every sample: what fits the schema parses, and the reverse.
    fn agree<R: Rule>(samples: &[&str]) {
        for raw in samples {
            assert_eq!(fits::<R>(raw), R::check(raw).is_ok(), "{raw:?}: {:?}", R::check(raw));
        }
    }

    #[test]
    fn usernames_fit_the_document_exactly_when_they_parse() {
        agree::<UsernameRule>(&[
            "bob",
            "Alice_01",
            "张三丰",
            "山田_taro",
            "김철수",
            "ab",
            "a b",
            "émile",
            "x<y>z",
            // CJK Extensions B and G: the document used to stop at U+FAFF.
            "\u{20000}\u{20001}\u{20002}",
            "\u{30000}\u{3134A}x",
            "\u{2EBF0}ab",
            "\u{3134F}ab",
        ]);
        agree::<UsernameRule>(&[&"x".repeat(32), &"x".repeat(33)]);
    }

    #[test]
    fn passwords_logins_and_tokens_follow_the_domain_bounds() {
        agree::<NewPasswordRule>(&["short", "long enough", "with\u{1}control", &"x".repeat(129), &"x".repeat(128)]);
        agree::<CandidatePasswordRule>(&["", "x", &"x".repeat(1024), &"x".repeat(1025)]);
        agree::<LoginRule>(&["", "a", &"张".repeat(254), &"x".repeat(255)]);
        agree::<RefreshTokenRule>(&["", "t", &"x".repeat(512), &"x".repeat(513)]);
    }

    #[test]
    fn group_names_and_notices_follow_the_chat_rules() {
        let at_bound = format!("  {}  ", "名".repeat(64));
        let past = "名".repeat(65);
        agree::<GroupNameRule>(&["Release team", " x ", "", "   ", "a\u{7}b", &at_bound, &past, "\u{3000}a\u{3000}"]);
        assert_eq!(GroupNameRule::check(&past), Err(Violation::TooLong { max: GROUP_NAME_LENGTH.max }));
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        agree::<NoticeRule>(&["hi", "line\nbreak\tand tab", " \n ", "", "bell\u{7}", "\u{feff}", &long]);
    }

    #[test]
    fn e_mails_parse_through_the_domain() {
        assert!(EmailRule::check("alice@example.com").is_ok());
        assert_eq!(EmailRule::check("000"), Err(Violation::InvalidFormat { expected: "email" }));
        assert_eq!(EmailRule::schema().format, Some("email"));
    }

    #[test]
    fn secrets_never_print() {
        let text: NewPasswordText = Text::example("Correct-Horse-9-Battery");
        assert_eq!(format!("{text:?}"), "***");
        assert_eq!(format!("{:?}", UsernameText::example("bob")), "\"bob\"");
    }
}
