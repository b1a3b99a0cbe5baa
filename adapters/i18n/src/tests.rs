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

/// Regression: `settings` is a group of labels in the catalogues, so its own label read as the raw key.
#[test]
fn a_field_whose_entry_groups_labels_reads_the_groups_label() {
    let params = [("field", "settings".to_owned())];
    assert_eq!(message(Locale::ZhCn, "validation.required", &params), "设置项不能为空。");
    assert_eq!(message(Locale::En, "validation.required", &params), "A setting is required.");
    let nested = [("field", "settings.site.name".to_owned())];
    assert_eq!(message(Locale::En, "validation.required", &nested), "Site name is required.");
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

/// Every `.rs` file under the crates that emit errors.
fn sources() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut stack: Vec<_> = ["domain", "application", "adapters"].iter().map(|d| root.join(d)).collect();
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() && path.file_name().is_some_and(|n| n != "target") {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("i18n/src/tests.rs") {
                files.push(path);
            }
        }
    }
    files
}

/// String literals in the bodies of `fn code(&self)` and in `ApiError::new(<status>, "<code>")` calls.
fn emitted_codes(text: &str) -> Vec<String> {
    let mut codes = Vec::new();
    let literal = |s: &str| s.split('"').nth(1).map(str::to_owned);
    let mut in_code_fn = false;
    let mut depth = 0i32;
    for line in text.lines() {
        if line.contains("fn code(&self)") {
            in_code_fn = true;
            depth = 0;
        }
        if in_code_fn {
            depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
            if line.contains("=> \"") {
                codes.extend(line.split("=> \"").skip(1).filter_map(|rest| rest.split('"').next().map(str::to_owned)));
            } else if line.trim_start().starts_with('"') {
                codes.extend(literal(line));
            }
            if depth <= 0 && line.contains('}') {
                in_code_fn = false;
            }
        }
        for call in line.split("ApiError::new(").skip(1) {
            if let Some(code) = call.split_once(',').and_then(|(_, rest)| literal(rest)) {
                codes.push(code);
            }
        }
    }
    codes
}

#[test]
fn every_emitted_error_code_has_both_translations() {
    let zh = catalogue("zh-CN");
    let en = catalogue("en");
    let mut missing = Vec::new();
    let mut seen = 0;
    for file in sources() {
        let text = std::fs::read_to_string(&file).unwrap();
        for code in emitted_codes(&text) {
            seen += 1;
            let key = format!("errors.{code}");
            if !zh.contains(&key) || !en.contains(&key) {
                missing.push(format!("{code} ({})", file.display()));
            }
        }
    }
    assert!(seen > 40, "the scan found only {seen} codes; is it still looking in the right places?");
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "error codes without zh-CN/en messages:\n{}", missing.join("\n"));
}
