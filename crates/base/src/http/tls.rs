//! TLS settings: the CA bundle a profile names, certificate checks turned off, and the crypto
//! provider every TLS connection uses.

use super::HttpError;

/// The CA-bundle value that turns TLS certificate checks off (a profile's `tls_ca_bundle`, a
/// store's `ca_bundle`), as the SimAI SDK spells it.
pub const NO_CERT_CHECKS: &str = "unsecure-none";

/// Whether a CA-bundle setting turns certificate checks off, read as [`Http::new`] reads it.
pub fn cert_checks_off(ca_bundle: Option<&str>) -> bool {
    ca_bundle.map(str::trim) == Some(NO_CERT_CHECKS)
}

/// The one warning for TLS certificate checks turned off, shown wherever such a profile or
/// store is added, used or listed: `whose` is `profile "x"` or `store "acme"`, `setting` what
/// turned them off (`tls_ca_bundle`, `VAULT_CACERT (from the environment)`).
pub fn cert_checks_off_warning(whose: &str, setting: &str) -> String {
    format!(
        "WARNING: {whose} has {setting} = {NO_CERT_CHECKS}: TLS certificates are NOT checked, so anyone on the network path can read its credentials. Use `system` or a CA bundle path instead."
    )
}

/// Installs ring as rustls' process-wide provider, once (the only one compiled in: reqwest and
/// tonic are built without a provider of their own).
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The certificates of a CA bundle file, for [`Http::new`].
pub(super) fn ca_bundle(path: &str) -> Result<Vec<reqwest::Certificate>, HttpError> {
    let pem =
        crate::fsio::read_bytes_capped(std::path::Path::new(path), 4 * crate::fsio::MAX_FILE_BYTES)
            .map_err(|e| HttpError::Setup(format!("the TLS CA bundle: {e}")))?
            .ok_or_else(|| HttpError::Setup(format!("the TLS CA bundle {path} does not exist")))?;
    let certs = if String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        reqwest::Certificate::from_pem_bundle(&pem).unwrap_or_default()
    } else {
        Vec::new()
    };
    if certs.is_empty() {
        return Err(HttpError::Setup(format!(
            "the TLS CA bundle {path} holds no PEM certificate"
        )));
    }
    Ok(certs)
}
