//! `exchange keygen`: a new token signing key.

/// A fresh PASERK secret key and its public half, as lines for a shell or a config file.
pub fn output() -> anyhow::Result<String> {
    let secret = adapter_crypto::generate_secret_key();
    let public = adapter_crypto::public_key_of(&secret)?;
    Ok(format!(
        "# auth.token_secret_key (keep secret; e.g. EXCHANGE__AUTH__TOKEN_SECRET_KEY)\n{secret}\n# its public key (for auth.previous_public_keys after a rotation)\n{public}\n"
    ))
}
