//! The HTTP client every provider uses, built from a profile's network settings.
//!
//! Honours `https_proxy`, `tls_ca_bundle` (`system`, a PEM path, or `unsecure-none`) and a
//! request timeout (`SIMCRED_TIMEOUT`, default 15 s). Refuses plain `http://` except on loopback,
//! never follows redirects (a secret must not be re-sent to another host), and turns transport
//! failures into one-line reasons a person can act on.

use std::time::Duration;
use url::Url;

/// Transport-level failures (the server was not reached, or its answer was unusable).
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{0}")]
    Setup(String),
    #[error("no answer from {host} within {secs} s")]
    Timeout { host: String, secs: u64 },
    #[error("could not connect to {host}: {reason}")]
    Connect { host: String, reason: String },
    #[error("{0}")]
    Other(String),
}

/// Network settings for one request target.
#[derive(Debug, Clone, Default)]
pub struct NetOptions {
    pub timeout: Option<Duration>,
    pub https_proxy: Option<String>,
    pub tls_ca_bundle: Option<String>,
}

impl NetOptions {
    /// The timeout in force: the explicit one, else `SIMCRED_TIMEOUT`, else 15 s.
    pub fn effective_timeout(&self) -> Duration {
        self.timeout.unwrap_or_else(|| {
            Duration::from_secs(
                std::env::var("SIMCRED_TIMEOUT")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .filter(|s: &u64| *s > 0)
                    .unwrap_or(15),
            )
        })
    }
}

/// A response read whole: status, content type, headers we care about, body text.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn looks_like_html(&self) -> bool {
        self.content_type.contains("html") || self.body.trim_start().starts_with('<')
    }
}

/// Whether a URL's host is a loopback address or name.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Parses a service URL and refuses schemes that would expose a secret.
pub fn parse_service_url(raw: &str) -> Result<Url, HttpError> {
    let url = Url::parse(raw.trim())
        .map_err(|e| HttpError::Setup(format!("\"{raw}\" is not a valid URL ({e})")))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(HttpError::Setup(format!(
            "refusing plain http:// for {}: a key sent there could be read on the network; use https://",
            url.host_str().unwrap_or("")
        ))),
        s => Err(HttpError::Setup(format!(
            "unsupported URL scheme \"{s}\" in {raw}; use https://"
        ))),
    }
}

/// A blocking HTTP client configured for one profile.
pub struct Http {
    agent: ureq::Agent,
    timeout: Duration,
    proxy: Option<String>,
}

impl Http {
    pub fn new(opts: &NetOptions) -> Result<Self, HttpError> {
        let timeout = opts.effective_timeout();
        let mut tls = ureq::tls::TlsConfig::builder();
        match opts.tls_ca_bundle.as_deref().map(str::trim) {
            None | Some("") => {}
            Some("system") => {
                tls = tls.root_certs(ureq::tls::RootCerts::PlatformVerifier);
            }
            Some("unsecure-none") => {
                tls = tls.disable_verification(true);
            }
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| {
                    HttpError::Setup(format!("cannot read the TLS CA bundle {path}: {e}"))
                })?;
                let certs: Vec<_> = ureq::tls::parse_pem(&pem)
                    .filter_map(|i| match i {
                        Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                        _ => None,
                    })
                    .collect();
                if certs.is_empty() {
                    return Err(HttpError::Setup(format!(
                        "the TLS CA bundle {path} holds no PEM certificate"
                    )));
                }
                tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
            }
        }
        let mut cfg = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("simcred/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls.build());
        if let Some(p) = opts.https_proxy.as_deref().filter(|p| !p.trim().is_empty()) {
            let proxy = ureq::Proxy::new(p.trim()).map_err(|e| {
                HttpError::Setup(format!("the proxy URL \"{p}\" is not usable: {e}"))
            })?;
            cfg = cfg.proxy(Some(proxy));
        }
        Ok(Http {
            agent: cfg.build().into(),
            timeout,
            proxy: opts
                .https_proxy
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(String::from),
        })
    }

    /// Sends a request and reads the whole reply (at most 4 MiB).
    pub fn send(
        &self,
        method: &str,
        url: &Url,
        headers: &[(&str, &str)],
        form: Option<&[(&str, &str)]>,
    ) -> Result<Reply, HttpError> {
        let mut host = url
            .host_str()
            .map(|h| match url.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
            .unwrap_or_default();
        if let Some(p) = &self.proxy {
            host = format!("{host} through the proxy {p}");
        }
        let map_err = |e: ureq::Error| self.map_error(&host, e);
        let mut resp = match method {
            "GET" | "DELETE" => {
                let mut req = if method == "GET" {
                    self.agent.get(url.as_str())
                } else {
                    self.agent.delete(url.as_str())
                };
                for (k, v) in headers {
                    req = req.header(*k, *v);
                }
                req.call().map_err(map_err)?
            }
            _ => {
                let mut req = self.agent.post(url.as_str());
                for (k, v) in headers {
                    req = req.header(*k, *v);
                }
                match form {
                    Some(f) => req.send_form(f.iter().copied()).map_err(map_err)?,
                    None => req.send_empty().map_err(map_err)?,
                }
            }
        };
        let status = resp.status().as_u16();
        let hdrs: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let body = resp
            .body_mut()
            .with_config()
            .limit(4 * 1024 * 1024)
            .read_to_string()
            .map_err(map_err)?;
        Ok(Reply {
            status,
            content_type,
            headers: hdrs,
            body,
        })
    }

    fn map_error(&self, host: &str, e: ureq::Error) -> HttpError {
        match e {
            ureq::Error::Timeout(_) => HttpError::Timeout {
                host: host.to_string(),
                secs: self.timeout.as_secs(),
            },
            ureq::Error::Io(io) => {
                let reason = match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => {
                        "connection refused (is the server running and the URL right?)".to_string()
                    }
                    std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::UnexpectedEof => {
                        "the server closed the connection without answering".to_string()
                    }
                    std::io::ErrorKind::TimedOut => {
                        return HttpError::Timeout {
                            host: host.to_string(),
                            secs: self.timeout.as_secs(),
                        }
                    }
                    _ => io.to_string(),
                };
                HttpError::Connect {
                    host: host.to_string(),
                    reason,
                }
            }
            ureq::Error::HostNotFound => HttpError::Connect {
                host: host.to_string(),
                reason: "the host name does not resolve".into(),
            },
            ureq::Error::ConnectionFailed => HttpError::Connect {
                host: host.to_string(),
                reason: "the connection failed".into(),
            },
            ureq::Error::ConnectProxyFailed(m) => HttpError::Connect {
                host: host.to_string(),
                reason: format!("the proxy refused: {m}"),
            },
            ureq::Error::Tls(m) => HttpError::Connect {
                host: host.to_string(),
                reason: format!("TLS failed: {m} (check tls_ca_bundle)"),
            },
            ureq::Error::Protocol(_) => HttpError::Connect {
                host: host.to_string(),
                reason: "the server closed the connection without a valid HTTP answer".into(),
            },
            other => HttpError::Other(format!("request to {host} failed: {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback() {
        assert!(parse_service_url("http://127.0.0.1:8080/").is_ok());
        assert!(parse_service_url("http://localhost/").is_ok());
        assert!(parse_service_url("https://impact.modelon.cloud/").is_ok());
        let e = parse_service_url("http://impact.example.com/").unwrap_err();
        assert!(e.to_string().contains("refusing plain http://"));
        assert!(parse_service_url("not a url").is_err());
    }
}
