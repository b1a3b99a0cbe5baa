//! The catalogues are compiled in by `rust_i18n::i18n!`; tell cargo to rebuild when one of them changes, or
//! an edited message would only show after an unrelated code change.

fn main() {
    println!("cargo:rerun-if-changed=../../locales");
}
