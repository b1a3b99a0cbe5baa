//! The domain crate stays pure: no runtime, database or web crate in its dependency tree.

#[test]
fn domain_depends_on_no_io_crate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["tree", "-p", "domain", "-e", "normal,build", "--prefix", "none", "--offline"])
        .current_dir(e2e::workspace_root())
        .output()
        .expect("run cargo tree");
    assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    let tree = String::from_utf8_lossy(&out.stdout);
    let crates: Vec<&str> = tree.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(crates.contains(&"domain"), "unexpected cargo tree output: {tree}");
    let forbidden = [
        "tokio",
        "sea-orm",
        "sqlx",
        "fred",
        "redis",
        "mongodb",
        "poem",
        "poem-openapi",
        "hyper",
        "reqwest",
        "apalis",
        "apalis-cron",
    ];
    let found: Vec<&&str> = forbidden.iter().filter(|f| crates.contains(f)).collect();
    assert!(found.is_empty(), "domain must stay pure, but depends on {found:?}");
}
