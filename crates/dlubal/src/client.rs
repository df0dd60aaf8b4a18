//! Checking a Dlubal key against the running application, as the vendor's client opens a session:
//! `get_application_info` with the key as `authorization: Bearer` metadata and gzip, then (once
//! the key is known good) `get_subscription_info` for the plan and this month's request count.
//!
//! Each call may count against the company's monthly limit, so a check makes exactly these two
//! calls and nothing else. Everything the server says is made safe to print before it reaches a
//! message; the key never appears in one.
//!
//! The check runs on its own single-threaded tokio runtime, built for the call and dropped after
//! it: commands that talk to no server start none.

use crate::proto::{
    ApplicationInfo, Empty, Product, SubscriptionInfo, GET_APPLICATION_INFO, GET_SUBSCRIPTION_INFO,
};
use simcred_base::http::{chain_text, io_kind};
use simcred_base::secret::Secret;
use simcred_base::text::{safe, safe_short};
use std::path::PathBuf;
use std::time::Duration;
use tonic::codec::CompressionEncoding;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

/// How the channel is secured, as the client's `ssl` / `ssl_file` take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// Plain gRPC (the client's default).
    Plain,
    /// TLS, trusting the system's certificate authorities.
    System,
    /// TLS, trusting the certificate authorities in this PEM file.
    CaFile(PathBuf),
}

/// Where the application listens.
#[derive(Debug, Clone)]
pub struct Target {
    pub product: Product,
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    /// For the whole check (connecting and both calls).
    pub timeout: Duration,
}

impl Target {
    /// `host:port` as people type it (`[::1]:9000` for IPv6), made safe to print.
    pub fn addr(&self) -> String {
        let host = safe_short(&self.host, 100);
        if host.contains(':') {
            format!("[{host}]:{}", self.port)
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// What the application answered to a good key.
#[derive(Debug, Clone)]
pub struct Answer {
    pub application: ApplicationInfo,
    /// The plan and request count; `Err` says why they could not be read (the key is good anyway).
    pub subscription: Result<SubscriptionInfo, CheckError>,
}

/// Why a check did not prove the key. The variant tells the caller what to say: whether the key
/// is bad ([`CheckError::Invalid`]), the plan stands in the way ([`CheckError::Restricted`]), or
/// the application could not be asked (everything else).
#[derive(Debug, Clone, thiserror::Error)]
pub enum CheckError {
    /// `UNAUTHENTICATED`: the application refused the key.
    #[error("the key was refused: {message}")]
    Invalid { message: String },
    /// `PERMISSION_DENIED`: the company's plan does not allow API use, or its limit is reached.
    #[error("{message}")]
    Restricted { message: String },
    /// Nothing listens there.
    #[error("{product} is not running on {addr} (nothing accepts connections there); start it, or set the profile's host and port")]
    NotRunning { product: &'static str, addr: String },
    /// No answer in time.
    #[error("no answer from {product} on {addr} within {secs} s")]
    Timeout {
        product: &'static str,
        addr: String,
        secs: u64,
    },
    /// TLS failed: a certificate not trusted, a plain server, a bad CA file.
    #[error("could not connect to {addr} over TLS: {reason}")]
    Tls { addr: String, reason: String },
    /// Something answers there, but not this product's API (`UNIMPLEMENTED`).
    #[error("{addr} answers, but not with {product}'s API (wrong port, or another Dlubal application runs there); set the profile's product and port")]
    NotThisProduct { product: &'static str, addr: String },
    /// The connection failed otherwise (name resolution, reset, not gRPC).
    #[error("could not reach {product} on {addr}: {reason}")]
    Unreachable {
        product: &'static str,
        addr: String,
        reason: String,
    },
    /// The application answered with another error.
    #[error("{product} on {addr} answered {code}: {message}")]
    Server {
        product: &'static str,
        addr: String,
        code: String,
        message: String,
    },
    /// The target itself is unusable (a host that is not a host name or address, a CA file that
    /// is missing or holds no certificate, a key that cannot travel in a header).
    #[error("{0}")]
    Setup(String),
}

/// The host as it goes into the URI, if `host` is a host name or an IP address (nothing else may).
pub fn check_host(host: &str) -> Result<String, CheckError> {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = h.parse::<std::net::IpAddr>() {
        return Ok(match ip {
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
            v4 => v4.to_string(),
        });
    }
    let ok = !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
        Ok(h.to_ascii_lowercase())
    } else {
        Err(CheckError::Setup(format!(
            "\"{}\" is not a host name or IP address; set the profile's host to where {} runs, such as 127.0.0.1",
            safe_short(host, 100),
            "the application"
        )))
    }
}

/// Checks `key` against the application at `target`: see the module's documentation.
pub fn check(target: &Target, key: &Secret) -> Result<Answer, CheckError> {
    simcred_base::http::install_crypto_provider();
    let rt = simcred_base::runtime::new()
        .map_err(|e| CheckError::Setup(format!("could not start the network runtime: {e}")))?;
    let fut = async {
        match tokio::time::timeout(target.timeout, check_async(target, key)).await {
            Ok(r) => r,
            Err(_) => Err(timeout(target)),
        }
    };
    simcred_base::runtime::block_on(&rt, fut)
        .unwrap_or_else(|| Err(CheckError::Setup("the check stopped unexpectedly".into())))
}

fn timeout(target: &Target) -> CheckError {
    CheckError::Timeout {
        product: target.product.display_name(),
        addr: target.addr(),
        secs: target.timeout.as_secs().max(1),
    }
}

async fn check_async(target: &Target, key: &Secret) -> Result<Answer, CheckError> {
    let channel = connect(target).await?;
    let bearer = bearer(key)?;
    let application: ApplicationInfo =
        call(target, channel.clone(), GET_APPLICATION_INFO, &bearer).await?;
    let subscription = call(target, channel, GET_SUBSCRIPTION_INFO, &bearer).await;
    Ok(Answer {
        application,
        subscription,
    })
}

/// The metadata value carrying the key; an error that does not show it when it cannot travel.
fn bearer(
    key: &Secret,
) -> Result<tonic::metadata::MetadataValue<tonic::metadata::Ascii>, CheckError> {
    let mut v = tonic::metadata::MetadataValue::try_from(format!("Bearer {}", key.expose()))
        .map_err(|_| {
            CheckError::Setup(
                "the key has characters that cannot be sent in a gRPC header; Dlubal keys are plain ASCII".into(),
            )
        })?;
    v.set_sensitive(true);
    Ok(v)
}

async fn connect(target: &Target) -> Result<Channel, CheckError> {
    let host = check_host(&target.host)?;
    let scheme = if target.tls == Tls::Plain {
        "http"
    } else {
        "https"
    };
    let uri = format!("{scheme}://{host}:{}", target.port);
    let mut endpoint = Endpoint::from_shared(uri)
        .map_err(|e| CheckError::Setup(format!("{} is not a usable address ({e})", target.addr())))?
        .connect_timeout(target.timeout)
        .timeout(target.timeout);
    let tls = match &target.tls {
        Tls::Plain => None,
        Tls::System => Some(ClientTlsConfig::new().with_native_roots()),
        Tls::CaFile(path) => {
            let pem =
                simcred_base::fsio::read_bytes_capped(path, 4 * simcred_base::fsio::MAX_FILE_BYTES)
                    .map_err(|e| CheckError::Setup(format!("the TLS CA bundle: {e}")))?
                    .ok_or_else(|| {
                        CheckError::Setup(format!(
                            "the TLS CA bundle {} does not exist",
                            safe(&path.display().to_string())
                        ))
                    })?;
            if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
                return Err(CheckError::Setup(format!(
                    "the TLS CA bundle {} holds no PEM certificate",
                    safe(&path.display().to_string())
                )));
            }
            Some(ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem)))
        }
    };
    if let Some(tls) = tls {
        endpoint = endpoint.tls_config(tls).map_err(|e| CheckError::Tls {
            addr: target.addr(),
            reason: chain_text(&e),
        })?;
    }
    endpoint
        .connect()
        .await
        .map_err(|e| transport_error(target, &e))
}

async fn call<M>(
    target: &Target,
    channel: Channel,
    method: &str,
    bearer: &tonic::metadata::MetadataValue<tonic::metadata::Ascii>,
) -> Result<M, CheckError>
where
    M: prost::Message + Default + Send + 'static,
{
    let mut grpc = tonic::client::Grpc::new(channel)
        .send_compressed(CompressionEncoding::Gzip)
        .accept_compressed(CompressionEncoding::Gzip);
    grpc.ready()
        .await
        .map_err(|e| transport_error(target, &e))?;
    let path = PathAndQuery::try_from(target.product.path(method))
        .map_err(|e| CheckError::Setup(format!("bad method path ({e})")))?;
    let mut req = tonic::Request::new(Empty {});
    req.metadata_mut().insert("authorization", bearer.clone());
    req.set_timeout(target.timeout);
    let codec = tonic_prost::ProstCodec::<Empty, M>::default();
    grpc.unary(req, path, codec)
        .await
        .map(tonic::Response::into_inner)
        .map_err(|s| status_error(target, &s))
}

/// The error a gRPC status means.
fn status_error(target: &Target, s: &tonic::Status) -> CheckError {
    use tonic::Code;
    let product = target.product.display_name();
    let message = safe_short(s.message(), 300);
    match s.code() {
        Code::Unauthenticated => CheckError::Invalid {
            message: if message.is_empty() {
                "the application does not accept it".into()
            } else {
                message
            },
        },
        Code::PermissionDenied => CheckError::Restricted {
            message: if message.is_empty() {
                "API access has been restricted by the company's plan".into()
            } else {
                message
            },
        },
        Code::Unimplemented => CheckError::NotThisProduct {
            product,
            addr: target.addr(),
        },
        Code::DeadlineExceeded => timeout(target),
        Code::Cancelled if message.contains("Timeout expired") => timeout(target),
        Code::Unavailable | Code::Unknown | Code::Internal
            if std::error::Error::source(s).is_some() =>
        {
            transport_text(target, &chain_text(s), io_kind(s))
        }
        code => CheckError::Server {
            product,
            addr: target.addr(),
            code: format!("{code:?}"),
            message,
        },
    }
}

fn transport_error(target: &Target, e: &(dyn std::error::Error + 'static)) -> CheckError {
    transport_text(target, &chain_text(e), io_kind(e))
}

fn transport_text(target: &Target, text: &str, kind: Option<std::io::ErrorKind>) -> CheckError {
    use std::io::ErrorKind;
    let product = target.product.display_name();
    let addr = target.addr();
    if kind == Some(ErrorKind::ConnectionRefused) || text.contains("Connection refused") {
        return CheckError::NotRunning { product, addr };
    }
    if kind == Some(ErrorKind::TimedOut)
        || text.contains("timed out")
        || text.contains("Timeout expired")
    {
        return timeout(target);
    }
    if let Some(reason) = simcred_base::http::tls_reason_in(text) {
        return CheckError::Tls { addr, reason };
    }
    let reason = if text.contains("failed to lookup address")
        || text.contains("Name or service not known")
        || text.contains("dns error")
    {
        "the host name does not resolve".to_string()
    } else if matches!(
        kind,
        Some(
            ErrorKind::ConnectionReset
                | ErrorKind::UnexpectedEof
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe
        )
    ) {
        "the connection was closed without a gRPC answer (is TLS on where the application expects plain gRPC, or the other way round?)".to_string()
    } else if text.contains("frame") || text.contains("h2 protocol error") || text.contains("http2")
    {
        "something answers there, but not gRPC (is TLS on where the application expects plain gRPC, or the other way round?)".to_string()
    } else {
        safe_short(text, 200)
    };
    CheckError::Unreachable {
        product,
        addr,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_names_or_addresses() {
        assert_eq!(check_host("127.0.0.1").unwrap(), "127.0.0.1");
        assert_eq!(check_host("::1").unwrap(), "[::1]");
        assert_eq!(check_host("[::1]").unwrap(), "[::1]");
        assert_eq!(check_host("RFEM-Box.lan").unwrap(), "rfem-box.lan");
        for bad in [
            "",
            "a b",
            "x/y",
            "user@host",
            "h\u{1b}[2J",
            "a..b",
            "http://x",
        ] {
            assert!(check_host(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_stopped_application_is_named_with_its_address() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let t = Target {
            product: Product::Rstab,
            host: "127.0.0.1".into(),
            port,
            tls: Tls::Plain,
            timeout: Duration::from_secs(5),
        };
        let e = check(&t, &Secret::new("ak-x")).unwrap_err();
        assert!(matches!(e, CheckError::NotRunning { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!("RSTAB is not running on 127.0.0.1:{port} (nothing accepts connections there); start it, or set the profile's host and port")
        );
    }

    #[test]
    fn a_key_that_cannot_travel_is_refused_without_showing_it() {
        let e = bearer(&Secret::new("ak-\nsecret")).unwrap_err();
        assert!(!e.to_string().contains("secret"));
    }
}
