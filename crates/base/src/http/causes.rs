//! Reading a transport's error: the chain of causes, the I/O error kind in it, and TLS
//! failures turned into sentences a person can act on.

/// The first I/O error kind in an error's chain of causes.
pub fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cur = err.source();
    }
    None
}

/// Every message in an error's chain of causes, joined with `: ` (for classifying; made safe
/// before it is shown).
pub fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let t = err.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = err.source();
    }
    parts.join(": ")
}

/// A sentence for a TLS failure somewhere in a transport's longer error text (an error chain
/// joined with `: `, as gRPC reports it); `None` when the text is not about TLS.
pub fn tls_reason_in(text: &str) -> Option<String> {
    if let Some(i) = text.find("invalid peer certificate: ") {
        let rest = &text[i..];
        let end = rest["invalid peer certificate: ".len()..]
            .find([':', ',', ')', '\n'])
            .map_or(rest.len(), |e| e + "invalid peer certificate: ".len());
        return tls_reason(&rest[..end]);
    }
    if text.contains("received fatal alert") {
        return tls_reason(text);
    }
    (text.contains("InvalidContentType") || text.contains("corrupt message"))
        .then(|| "the server does not speak TLS there (is it plain, without TLS?)".to_string())
}

/// A sentence for a TLS failure the transport reported in its own terms (rustls: "invalid peer
/// certificate: UnknownIssuer"); `None` for anything that is not about TLS.
pub(super) fn tls_reason(text: &str) -> Option<String> {
    const OWN_CA: &str = "if the server uses its own certificate authority, set its CA bundle";
    let cert = text
        .strip_prefix("invalid peer certificate: ")
        .map(str::trim);
    let Some(cert) = cert else {
        return text.contains("received fatal alert").then(|| {
            format!(
                "the TLS handshake failed ({})",
                crate::text::safe_short(text, 120)
            )
        });
    };
    Some(match cert {
        "UnknownIssuer" => format!(
            "its TLS certificate is signed by a certificate authority this computer does not trust ({OWN_CA})"
        ),
        "Expired" => "its TLS certificate has expired".into(),
        "NotValidYet" => "its TLS certificate is not valid yet (check this computer's clock)".into(),
        "Revoked" => "its TLS certificate has been revoked".into(),
        "BadSignature" => format!("its TLS certificate has a bad signature ({OWN_CA})"),
        c if c.starts_with("NotValidForName") => {
            "its TLS certificate is not for this host name (use the name the certificate is for)"
                .into()
        }
        other => format!(
            "its TLS certificate was refused ({})",
            crate::text::safe_short(other, 120)
        ),
    })
}
