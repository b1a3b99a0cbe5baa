//! docs/testing.md must show the integrator example exactly as it runs.

#[test]
fn testing_md_quotes_the_integrator_example_verbatim() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let page = std::fs::read_to_string(root.join("docs/testing.md")).unwrap_or_default();
    let example = std::fs::read_to_string(root.join("tests/testkit/tests/integrator_example.rs")).unwrap_or_default();
    assert!(!example.is_empty(), "the example file is missing");
    assert!(page.contains(&format!("```rust\n{example}```")), "docs/testing.md no longer quotes integrator_example.rs");
}
