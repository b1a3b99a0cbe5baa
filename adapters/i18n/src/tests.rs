use super::*;
use serde_json::Value;
use std::collections::BTreeSet;

fn keys(prefix: &str, v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                keys(&path, v, out);
            }
        }
        _ => {
            out.insert(prefix.to_owned());
        }
    }
}

fn catalogue(name: &str) -> BTreeSet<String> {
    let path = format!("{}/../../locales/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = BTreeSet::new();
    keys("", &json, &mut out);
    out
}

#[test]
fn catalogues_have_the_same_keys() {
    let zh = catalogue("zh-CN");
    let en = catalogue("en");
    assert!(zh.len() > 20);
    assert_eq!(zh.difference(&en).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in en");
    assert_eq!(en.difference(&zh).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in zh-CN");
}

#[test]
fn messages_are_localized_with_parameters() {
    let params = [("field", "username".to_owned()), ("min", "3".to_owned())];
    assert_eq!(message(Locale::En, "validation.too_short", &params), "Username must be at least 3 characters long.");
    assert_eq!(message(Locale::ZhCn, "validation.too_short", &params), "用户名至少需要 3 个字符。");
    assert_eq!(message(Locale::En, "http.not_found", &[]), "No resource at this address.");
}

#[test]
fn unknown_codes_fall_back_to_the_generic_message() {
    assert_eq!(message(Locale::En, "no.such.code", &[]), message(Locale::En, "internal", &[]));
}

#[test]
fn query_beats_header_and_q_values_are_honoured() {
    assert_eq!(negotiate(Some("en"), Some("zh-CN"), Locale::ZhCn), Locale::En);
    assert_eq!(negotiate(Some("fr"), Some("en-US,en;q=0.9"), Locale::ZhCn), Locale::En);
    assert_eq!(negotiate(None, Some("fr-FR, en;q=0.5, zh;q=0.8"), Locale::En), Locale::ZhCn);
    assert_eq!(negotiate(None, Some("zh;q=0, en;q=0.1"), Locale::ZhCn), Locale::En);
    assert_eq!(negotiate(None, Some("de, fr"), Locale::ZhCn), Locale::ZhCn);
    assert_eq!(negotiate(None, Some(";;;,,q=x"), Locale::En), Locale::En);
    assert_eq!(negotiate(None, None, Locale::ZhCn), Locale::ZhCn);
}
