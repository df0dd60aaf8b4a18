//! The HTTP client every provider uses, built from a profile's network settings.
//!
//! Rules that hold for every request, whoever asks:
//! - Plain `http://` only to loopback; a URL with a user name or password in it is refused.
//! - Redirects are never followed (a secret must not be re-sent to another host).
//! - Proxies: the profile's `https_proxy` first, else the environment's `HTTPS_PROXY` /
//!   `https_proxy`, then `ALL_PROXY` / `all_proxy`, minus the hosts in `NO_PROXY` / `no_proxy`
//!   (which applies to the environment's proxies only). A proxy carries only `https://` traffic
//!   to non-loopback hosts: loopback traffic never goes through a proxy, and as plain `http://` is
//!   only allowed to loopback, no plain-http request carrying a secret ever reaches one.
//! - A client can be pinned to one origin ([`Http::pinned`]): it then refuses to send anything
//!   to another scheme, host or port, whatever a server said.
//! - `tls_ca_bundle` (`system`, a PEM path, or `unsecure-none`), and a request timeout
//!   (`SIMCRED_TIMEOUT`, default 15 s, at most one hour).
//!
//! Transport failures become one-line reasons a person can act on.

mod causes;
mod proxy;
mod tls;

pub use causes::{chain_text, io_kind, tls_reason_in};
pub use tls::{cert_checks_off, cert_checks_off_warning, install_crypto_provider, NO_CERT_CHECKS};

use proxy::{choose_proxy, no_proxy_matches, proxy_shown, ProxyChoice, ProxySource};
use std::time::Duration;
use tls::ca_bundle;
use url::Url;

/// Transport-level failures (the server was not reached, or its answer was unusable).
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The request could not be prepared: a bad URL, proxy or CA bundle, or a refused target.
    #[error("{0}")]
    Setup(String),
    /// The server did not answer in time.
    #[error("no answer from {host} within {secs} s")]
    Timeout { host: String, secs: u64 },
    /// The connection failed (refused, reset, TLS, proxy, name resolution).
    #[error("could not connect to {host}: {reason}")]
    Connect { host: String, reason: String },
    /// Anything else the transport reported.
    #[error("{0}")]
    Other(String),
}

/// The longest request timeout accepted from settings or the environment.
const MAX_TIMEOUT_SECS: u64 = 3600;

/// Network settings for one request target.
#[derive(Debug, Clone, Default)]
pub struct NetOptions {
    pub timeout: Option<Duration>,
    pub https_proxy: Option<String>,
    pub tls_ca_bundle: Option<String>,
}

impl NetOptions {
    /// The timeout in force: the explicit one, else `SIMCRED_TIMEOUT`, else 15 s; at most an hour.
    pub fn effective_timeout(&self) -> Duration {
        self.timeout
            .unwrap_or_else(|| {
                Duration::from_secs(
                    std::env::var("SIMCRED_TIMEOUT")
                        .ok()
                        .and_then(|v| v.trim().parse().ok())
                        .filter(|s: &u64| *s > 0)
                        .unwrap_or(15),
                )
            })
            .min(Duration::from_secs(MAX_TIMEOUT_SECS))
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
    let shown = crate::text::safe_short(raw, 200);
    let url = Url::parse(raw.trim())
        .map_err(|e| HttpError::Setup(format!("\"{shown}\" is not a valid URL ({e})")))?;
    check_target(&url)?;
    Ok(url)
}

/// Why a connection to a server on this computer (loopback) was refused, in words: the faces
/// look for it to offer starting a local server (the app: the sandbox, for its demo profiles).
pub const LOCAL_NOT_RUNNING: &str =
    "nothing is running there on this computer (a local server that is not started, or the wrong port)";

/// Refuses a URL SimCred must not send a secret to: a scheme other than https (or http on
/// loopback), or a user name or password inside the URL.
pub fn check_target(url: &Url) -> Result<(), HttpError> {
    let host = crate::text::safe(url.host_str().unwrap_or(""));
    if !url.username().is_empty() || url.password().is_some() {
        return Err(HttpError::Setup(format!(
            "refusing a URL with a user name or password in it (for {host}); keep credentials in SimCred, not in URLs"
        )));
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(HttpError::Setup(format!(
            "refusing plain http:// for {host}: a key sent there could be read on the network; use https://"
        ))),
        s => Err(HttpError::Setup(format!(
            "unsupported URL scheme \"{}\" for {host}; use https://",
            crate::text::safe(s)
        ))),
    }
}

/// A URL checked by [`openable_url`]: the only kind the faces hand to the system's opener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenableUrl(Url);

impl OpenableUrl {
    /// The URL as text (already free of control characters).
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl std::fmt::Display for OpenableUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_str())
    }
}

/// A URL from a server that may be handed to the system's opener (the browser): `http` or
/// `https` with a host, and no control or formatting character anywhere in it. Anything else
/// (`file:`, `javascript:`, a local path, a custom scheme) is `None`: show it as text instead.
pub fn openable_url(raw: &str) -> Option<OpenableUrl> {
    if raw.chars().any(crate::text::is_unsafe) || raw.len() > 8192 {
        return None;
    }
    let url = Url::parse(raw.trim()).ok()?;
    let ok = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|h| !h.is_empty())
        && url.username().is_empty()
        && url.password().is_none();
    ok.then_some(OpenableUrl(url))
}

/// Whether two URLs share scheme, host and port (the port a scheme implies counts).
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

/// `scheme://host[:port]` of a URL, made safe to print.
pub fn origin_of(url: &Url) -> String {
    crate::text::safe(&url.origin().ascii_serialization())
}

/// A request body.
enum Body<'a> {
    /// `application/x-www-form-urlencoded` fields.
    Form(&'a [(&'a str, &'a str)]),
    /// A JSON document.
    Json(&'a str),
}

/// The largest reply body read; a longer one is refused, not cut.
const MAX_REPLY_BYTES: usize = 4 * 1024 * 1024;

/// A blocking HTTP client configured for one profile, on reqwest and a private single-threaded
/// tokio runtime that is started at the first request (a command that sends none starts none).
pub struct Http {
    direct: reqwest::Client,
    /// The client that goes through the proxy in force, when there is one.
    proxied: Option<(reqwest::Client, ProxyChoice)>,
    timeout: Duration,
    /// The only origin this client may talk to, when pinned.
    pinned: Option<Url>,
    runtime: std::sync::OnceLock<tokio::runtime::Runtime>,
}

impl Http {
    pub fn new(opts: &NetOptions) -> Result<Self, HttpError> {
        install_crypto_provider();
        let timeout = opts.effective_timeout();
        let builder = || -> Result<reqwest::ClientBuilder, HttpError> {
            let b = reqwest::Client::builder()
                .timeout(timeout)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("simcred/", env!("CARGO_PKG_VERSION")))
                // Never the environment's proxy behind our back: `proxied` decides.
                .no_proxy();
            Ok(match opts.tls_ca_bundle.as_deref().map(str::trim) {
                // The system's certificate authorities.
                None | Some("") | Some("system") => b,
                Some(NO_CERT_CHECKS) => b.danger_accept_invalid_certs(true),
                Some(path) => b.tls_certs_only(ca_bundle(path)?),
            })
        };
        let build = |b: reqwest::ClientBuilder| {
            b.build().map_err(|e| {
                HttpError::Setup(format!(
                    "the HTTP client could not be set up: {}",
                    crate::text::safe_short(&chain_text(&e), 200)
                ))
            })
        };
        let proxied = match choose_proxy(opts.https_proxy.as_deref()) {
            None => None,
            Some(choice) => {
                let shown = proxy_shown(&choice.url);
                let from = match &choice.source {
                    ProxySource::Profile => "the profile's https_proxy".to_string(),
                    ProxySource::Env(n) => format!("${n}"),
                };
                let unusable = |e: &dyn std::fmt::Display| {
                    HttpError::Setup(format!(
                        "the proxy {shown} (from {from}) is not usable: {}; use a URL such as http://proxy:3128",
                        crate::text::safe_short(&e.to_string(), 120)
                    ))
                };
                let url = Url::parse(&choice.url).map_err(|e| unusable(&e))?;
                if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                    return Err(unusable(&"not an http:// or https:// proxy URL"));
                }
                let proxy = reqwest::Proxy::all(url.as_str()).map_err(|e| unusable(&e))?;
                Some((build(builder()?.proxy(proxy))?, choice))
            }
        };
        Ok(Http {
            direct: build(builder()?)?,
            proxied,
            timeout,
            pinned: None,
            runtime: std::sync::OnceLock::new(),
        })
    }

    /// This client, refusing to send anything to an origin other than `origin`'s.
    pub fn pinned(mut self, origin: &Url) -> Self {
        self.pinned = Some(origin.clone());
        self
    }

    /// The client for `url` and the proxy it goes through (shown without credentials), if any.
    fn route(&self, url: &Url) -> (&reqwest::Client, Option<String>) {
        match &self.proxied {
            Some((client, choice))
                if url.scheme() == "https"
                    && !is_loopback(url)
                    && !no_proxy_matches(&choice.no_proxy, url) =>
            {
                (client, Some(proxy_shown(&choice.url)))
            }
            _ => (&self.direct, None),
        }
    }

    /// Sends a request and reads the whole reply (at most 4 MiB).
    pub fn send(
        &self,
        method: &str,
        url: &Url,
        headers: &[(&str, &str)],
        form: Option<&[(&str, &str)]>,
    ) -> Result<Reply, HttpError> {
        self.exchange(method, url, headers, form.map(Body::Form))
    }

    /// Sends a JSON body (`POST`, or any method other than GET/DELETE) and reads the reply.
    pub fn send_json(
        &self,
        method: &str,
        url: &Url,
        headers: &[(&str, &str)],
        json: &str,
    ) -> Result<Reply, HttpError> {
        self.exchange(method, url, headers, Some(Body::Json(json)))
    }

    fn exchange(
        &self,
        method: &str,
        url: &Url,
        headers: &[(&str, &str)],
        body: Option<Body<'_>>,
    ) -> Result<Reply, HttpError> {
        check_target(url)?;
        if let Some(origin) = &self.pinned {
            if !same_origin(origin, url) {
                return Err(HttpError::Setup(format!(
                    "refusing to send a request to {}: it is not the configured server {}",
                    origin_of(url),
                    origin_of(origin)
                )));
            }
        }
        let (client, proxy) = self.route(url);
        let local = is_loopback(url);
        let mut host = crate::text::safe(
            &url.host_str()
                .map(|h| match url.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                })
                .unwrap_or_default(),
        );
        if let Some(p) = &proxy {
            host = format!("{host} through the proxy {p}");
        }
        let mut req = match method {
            "GET" => client.get(url.as_str()),
            "DELETE" => client.delete(url.as_str()),
            "PUT" => client.put(url.as_str()),
            _ => client.post(url.as_str()),
        };
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if !matches!(method, "GET" | "DELETE") {
            req = match body {
                Some(Body::Form(f)) => req
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(
                        url::form_urlencoded::Serializer::new(String::new())
                            .extend_pairs(f.iter().copied())
                            .finish(),
                    ),
                Some(Body::Json(j)) => req
                    .header("content-type", "application/json")
                    .body(j.to_string()),
                None => req.header("content-length", "0"),
            };
        }
        let request = req.build().map_err(|e| {
            HttpError::Setup(format!(
                "the request to {host} could not be made: {}",
                crate::text::safe_short(&chain_text(&e), 200)
            ))
        })?;
        let fut = async {
            let mut resp = client
                .execute(request)
                .await
                .map_err(|e| self.map_error(&host, local, &e))?;
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
            let mut bytes = Vec::new();
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| self.map_error(&host, local, &e))?
            {
                if bytes.len() + chunk.len() > MAX_REPLY_BYTES {
                    return Err(HttpError::Other(format!(
                        "the reply from {host} is larger than 4 MiB, more than any answer SimCred expects; it was not read"
                    )));
                }
                bytes.extend_from_slice(&chunk);
            }
            let body = String::from_utf8(bytes).map_err(|_| {
                HttpError::Other(format!("the reply from {host} is not UTF-8 text"))
            })?;
            Ok(Reply {
                status,
                content_type,
                headers: hdrs,
                body,
            })
        };
        self.block_on(fut)
    }

    /// Runs `fut` on this client's runtime, started on first use. Inside another runtime's
    /// thread (the app's async commands), it runs on a thread of its own beside it.
    fn block_on<T: Send>(
        &self,
        fut: impl std::future::Future<Output = Result<T, HttpError>> + Send,
    ) -> Result<T, HttpError> {
        if self.runtime.get().is_none() {
            let rt = crate::runtime::new().map_err(|e| {
                HttpError::Setup(format!("could not start the network runtime: {e}"))
            })?;
            // Another thread may have won the race: then its runtime is used.
            let _ = self.runtime.set(rt);
        }
        let Some(rt) = self.runtime.get() else {
            return Err(HttpError::Setup(
                "could not start the network runtime".into(),
            ));
        };
        crate::runtime::block_on(rt, fut)
            .unwrap_or_else(|| Err(HttpError::Other("the request stopped unexpectedly".into())))
    }

    /// A transport error as a sentence; `local`: the server is on this computer (loopback), so a
    /// refused connection means nothing is running there, said in those words.
    fn map_error(&self, host: &str, local: bool, e: &reqwest::Error) -> HttpError {
        use std::io::ErrorKind;
        let timeout = || HttpError::Timeout {
            host: host.to_string(),
            secs: self.timeout.as_secs(),
        };
        if e.is_timeout() {
            return timeout();
        }
        let text = chain_text(e);
        let kind = io_kind(e);
        let connect = |reason: String| HttpError::Connect {
            host: host.to_string(),
            reason,
        };
        if kind == Some(ErrorKind::TimedOut) {
            return timeout();
        }
        if kind == Some(ErrorKind::ConnectionRefused) && local {
            return connect(LOCAL_NOT_RUNNING.to_string());
        }
        if kind == Some(ErrorKind::ConnectionRefused) {
            return connect(
                "connection refused (is the server running and the URL right?)".to_string(),
            );
        }
        if let Some(reason) = tls_reason_in(&text) {
            return connect(reason);
        }
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return connect("the host name does not resolve".into());
        }
        if text.contains("unsuccessful tunnel") || text.contains("proxy") && e.is_connect() {
            return connect(format!(
                "the proxy refused: {}",
                crate::text::safe_short(&text, 200)
            ));
        }
        if matches!(
            kind,
            Some(
                ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::UnexpectedEof
                    | ErrorKind::BrokenPipe
            )
        ) || text.contains("connection closed before message completed")
            || text.contains("IncompleteMessage")
        {
            return connect("the server closed the connection without answering".into());
        }
        if text.contains("invalid HTTP")
            || text.contains("error parsing")
            || text.contains("message head")
        {
            return connect("the server closed the connection without a valid HTTP answer".into());
        }
        if e.is_connect() {
            return connect(format!(
                "the connection failed ({})",
                crate::text::safe_short(&text, 200)
            ));
        }
        HttpError::Other(format!(
            "request to {host} failed: {}",
            crate::text::safe_short(&text, 200)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::causes::tls_reason;
    use super::*;

    #[test]
    fn plain_http_only_on_loopback() {
        assert!(parse_service_url("http://127.0.0.1:8080/").is_ok());
        assert!(parse_service_url("http://localhost/").is_ok());
        assert!(parse_service_url("https://impact.modelon.cloud/").is_ok());
        let e = parse_service_url("http://impact.example.com/").unwrap_err();
        assert!(e.to_string().contains("refusing plain http://"));
        assert!(parse_service_url("not a url").is_err());
        assert!(parse_service_url("https://user:pw@impact.example.com/").is_err());
        assert!(parse_service_url("file:///etc/passwd").is_err());
        assert!(parse_service_url("javascript:alert(1)").is_err());
    }

    #[test]
    fn only_http_urls_are_openable() {
        assert!(openable_url("https://idp.example/device?user_code=AB-CD").is_some());
        assert!(openable_url("http://127.0.0.1:8080/device").is_some());
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "/etc/passwd",
            "data:text/html,x",
            "https://x.example/\u{1b}]52;c;eA==\u{7}",
            "https://user:pw@x.example/",
            "smb://host/share",
        ] {
            assert!(openable_url(bad).is_none(), "{bad}");
        }
    }

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn origins() {
        assert!(same_origin(
            &u("https://a.example/x"),
            &u("https://A.example:443/y")
        ));
        assert!(!same_origin(
            &u("https://a.example/"),
            &u("http://a.example/")
        ));
        assert!(!same_origin(
            &u("http://127.0.0.1:1/"),
            &u("http://127.0.0.1:2/")
        ));
        assert!(!same_origin(
            &u("https://a.example/"),
            &u("https://b.a.example/")
        ));
    }

    #[test]
    fn no_proxy_lists() {
        let l = |s: &str| -> Vec<String> { s.split(',').map(String::from).collect() };
        let url = u("https://impact.example.invalid/api");
        assert!(no_proxy_matches(&l("impact.example.invalid"), &url));
        assert!(no_proxy_matches(&l(".example.invalid"), &url));
        assert!(no_proxy_matches(&l("example.invalid"), &url));
        assert!(no_proxy_matches(&l("other,*"), &url));
        assert!(no_proxy_matches(&l("impact.example.invalid:443"), &url));
        assert!(!no_proxy_matches(&l("impact.example.invalid:8443"), &url));
        assert!(!no_proxy_matches(&l("ample.invalid"), &url));
        assert!(!no_proxy_matches(&l(""), &url));
        assert!(no_proxy_matches(
            &l("10.0.0.1"),
            &u("https://10.0.0.1:8443/")
        ));
    }

    #[test]
    fn proxies_carry_only_https_to_other_hosts() {
        let http = Http::new(&NetOptions {
            https_proxy: Some("http://user:secret@127.0.0.1:9".into()),
            ..Default::default()
        })
        .unwrap();
        let (_, p) = http.route(&u("https://impact.example.invalid/"));
        assert_eq!(p.as_deref(), Some("http://127.0.0.1:9"));
        assert!(http.route(&u("http://127.0.0.1:8080/")).1.is_none());
        assert!(http.route(&u("https://localhost/")).1.is_none());
        assert!(http.route(&u("https://[::1]:8443/")).1.is_none());
    }

    #[test]
    fn a_pinned_client_refuses_other_origins() {
        let http = Http::new(&NetOptions::default())
            .unwrap()
            .pinned(&u("http://127.0.0.1:9/"));
        let e = http
            .send("GET", &u("http://127.0.0.1:10/user/"), &[("k", "v")], None)
            .unwrap_err();
        assert!(e.to_string().contains("not the configured server"), "{e}");
    }

    #[test]
    fn tls_failures_are_sentences_not_library_words() {
        let unknown = tls_reason("invalid peer certificate: UnknownIssuer").unwrap();
        assert!(unknown.contains("certificate authority this computer does not trust"));
        assert!(unknown.contains("CA bundle"));
        assert!(!unknown.contains("UnknownIssuer"));
        assert!(tls_reason("invalid peer certificate: NotValidForName")
            .unwrap()
            .contains("not for this host name"));
        assert!(tls_reason("invalid peer certificate: Expired")
            .unwrap()
            .contains("expired"));
        assert!(tls_reason("received fatal alert: HandshakeFailure")
            .unwrap()
            .starts_with("the TLS handshake failed"));
        assert_eq!(tls_reason("connection reset by peer"), None);
        let chained = tls_reason_in(
            "transport error: error trying to connect: invalid peer certificate: UnknownIssuer",
        )
        .unwrap();
        assert!(chained.contains("does not trust"), "{chained}");
        assert_eq!(tls_reason_in("transport error: connection refused"), None);
    }
}
