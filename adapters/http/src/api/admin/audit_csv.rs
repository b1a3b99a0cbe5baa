//! The audit log as CSV (RFC 4180): one header row, one row per entry, before/after as compact JSON.
//! Cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) get a leading `'`,
//! so an exported username like `=HYPERLINK(...)` stays text.

use domain::audit::AuditEntry;

/// The header row, in column order.
pub(crate) const HEADER: [&str; 10] =
    ["at", "actor_id", "actor_name", "action", "target", "before", "after", "request_id", "ip", "id"];

fn cell(out: &mut String, value: &str) {
    let guarded = matches!(value.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'));
    let quote = guarded || value.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if guarded {
        out.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

fn row<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (i, value) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        cell(out, value);
    }
    out.push_str("\r\n");
}

/// The entries as a CSV document, starting with a UTF-8 byte order mark so spreadsheet programs read
/// Chinese names correctly.
pub(crate) fn render(entries: &[AuditEntry]) -> String {
    let mut out = String::from("\u{feff}");
    row(&mut out, HEADER);
    for e in entries {
        let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
        let (at, actor_id, id) =
            (e.at.to_rfc3339(), e.actor_id.map(|a| a.to_string()).unwrap_or_default(), e.id.to_string());
        let (before, after) = (json(&e.before), json(&e.after));
        row(
            &mut out,
            [
                at.as_str(),
                actor_id.as_str(),
                e.actor_name.as_str(),
                e.action.as_str(),
                e.target.as_str(),
                before.as_str(),
                after.as_str(),
                e.request_id.as_deref().unwrap_or_default(),
                e.ip.as_deref().unwrap_or_default(),
                id.as_str(),
            ],
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use domain::ids::AuditId;
    use serde_json::json;

    #[test]
    fn quotes_escapes_and_defuses_formulas() {
        let entry = AuditEntry {
            id: AuditId::new(),
            actor_id: None,
            actor_name: "=cmd|' /C calc'!A0".into(),
            action: "setting.update".into(),
            target: "setting:site.name".into(),
            before: Some(json!({"value": "a,b"})),
            after: Some(json!({"value": "say \"hi\"\n交易所"})),
            request_id: Some("r-1".into()),
            ip: None,
            at: Utc::now(),
        };
        let csv = render(&[entry]);
        let mut lines = csv.split("\r\n");
        assert_eq!(lines.next(), Some("\u{feff}at,actor_id,actor_name,action,target,before,after,request_id,ip,id"));
        let body = lines.collect::<Vec<_>>().join("\r\n");
        assert!(body.contains(r#",,"'=cmd|' /C calc'!A0",setting.update,"#), "formula defused: {body}");
        assert!(body.contains(r#""{""value"":""a,b""}""#), "quotes doubled, comma quoted: {body}");
        assert!(body.contains("交易所"), "UTF-8 kept: {body}");
        assert!(csv.ends_with("\r\n"), "rows end with CRLF");
        assert!(body.contains(r#""{""value"":""say \""hi\""\n交易所""}""#), "JSON quotes doubled: {body}");
    }
}
