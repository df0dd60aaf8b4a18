//! A fake Dlubal application (RFEM 6, RSTAB 9 and RSECTION 1 at once) speaking the vendor's
//! gRPC API as far as a key check and the vendor's Python client (`dlubal-api` 2.16.4) need it:
//! `get_application_info`, `get_subscription_info` and `close_connection` of the services
//! `dlubal.api.{rfem,rstab,rsection}.Application`; every other method is `UNIMPLEMENTED`.
//!
//! Every call must carry `authorization: Bearer <key>`: a good key is answered, a limited one
//! gets `PERMISSION_DENIED` and anything else `UNAUTHENTICATED`, with the real service's
//! sentences. Each answered call counts as one API request of the month, as the real service
//! counts them, and `get_subscription_info` reports that count. Requests may be gzip-compressed
//! and are answered gzip when the client accepts it.
//!
//! Two listeners on 127.0.0.1: plain gRPC (the client's default) and TLS with a certificate
//! signed by a CA made at start (`dlubal_tls`). Both are tonic servers on one tokio runtime on a
//! thread of their own; dropping the [`DlubalServer`] stops them and joins it. The service is
//! written by hand as generated code would be (routing paths to `tonic::server::Grpc::unary`),
//! with the messages of `simcred_dlubal::proto`, so no protoc or build script is needed.
//!
//! Control endpoints over the sandbox's HTTP: `GET /_sandbox/dlubal` (the ports, the CA's PEM and
//! the request counts) and `POST /_sandbox/dlubal/keys` (`{"key": "...", "limited": false}`).

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::json;
use simcred_dlubal::proto::{
    ApplicationInfo, ApplicationType, Empty, Product, SubscriptionInfo, GET_APPLICATION_INFO,
    GET_SUBSCRIPTION_INFO,
};
use tonic::codec::CompressionEncoding;
use tonic::codegen::{http, BoxFuture, Context, Poll, Service, StdError};
use tonic::server::{Grpc, UnaryService};
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Identity, Server, ServerTlsConfig};
use tonic::Status;

use crate::http::{Request, Response};
use crate::server::{lock, method_not_allowed, Vendor};

/// What `UNAUTHENTICATED` says, word for word as the real service.
pub const INVALID_KEY: &str = "API key is invalid or in incorrect format.";
/// What `PERMISSION_DENIED` says, word for word as the real service.
pub const RESTRICTED: &str = "API access has been restricted. Your company does not have permission to use the Dlubal API Service, or the limits defined in your subscription plan have been exceeded.";
/// The plan `get_subscription_info` reports.
pub const PLAN: &str = "Sandbox Professional";
/// The monthly request limit of that plan; past it, good keys get `PERMISSION_DENIED` too.
pub const REQUEST_LIMIT: i32 = 10_000;
/// The method a client calls when its session ends.
const CLOSE_CONNECTION: &str = "close_connection";
/// The application version reported: its `.split('.')[1:3]` is the client's (2.16.4), so the
/// vendor's client prints no version-mismatch warning.
const VERSION: &str = "16.4";
/// How long the servers may finish open calls once the sandbox is dropped.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);
/// How long a TLS handshake may take.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The fake's state, shared by the gRPC service and the HTTP control endpoints.
pub(crate) struct Dlubal {
    keys: Mutex<Keys>,
    /// Every gRPC request received, on any path, with any key or none.
    requests: AtomicUsize,
    /// Answered calls (good key, within the limit): this month's request count.
    counted: AtomicUsize,
    port: u16,
    tls_port: u16,
    ca_pem: String,
}

#[derive(Default)]
struct Keys {
    good: Vec<String>,
    limited: Vec<String>,
}

/// How a call's key fares.
enum Verdict {
    Good,
    Limited,
    Invalid,
}

impl Dlubal {
    /// Makes `key` good (`limited`: one whose plan does not allow API use); a key is in one of
    /// the two sets at a time.
    pub fn add_key(&self, key: &str, limited: bool) {
        let mut keys = lock(&self.keys);
        keys.good.retain(|k| k != key);
        keys.limited.retain(|k| k != key);
        if limited {
            keys.limited.push(key.to_owned());
        } else {
            keys.good.push(key.to_owned());
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn tls_port(&self) -> u16 {
        self.tls_port
    }

    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// gRPC requests received so far, answered or refused.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Calls answered so far (what `get_subscription_info` reports as this month's count).
    pub fn counted(&self) -> usize {
        self.counted.load(Ordering::SeqCst)
    }

    fn verdict(&self, metadata: &tonic::metadata::MetadataMap) -> Verdict {
        let key = metadata
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        if key.is_empty() {
            return Verdict::Invalid;
        }
        let keys = lock(&self.keys);
        if keys.good.iter().any(|k| k == key) {
            Verdict::Good
        } else if keys.limited.iter().any(|k| k == key) {
            Verdict::Limited
        } else {
            Verdict::Invalid
        }
    }

    /// Checks a call's key and counts it when it is answered.
    fn authorise(&self, metadata: &tonic::metadata::MetadataMap) -> Result<(), Status> {
        match self.verdict(metadata) {
            Verdict::Invalid => Err(Status::unauthenticated(INVALID_KEY)),
            Verdict::Limited => Err(Status::permission_denied(RESTRICTED)),
            Verdict::Good => {
                let limit = usize::try_from(REQUEST_LIMIT).unwrap_or(usize::MAX);
                self.counted
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                        (n < limit).then_some(n + 1)
                    })
                    .map(|_| ())
                    .map_err(|_| Status::permission_denied(RESTRICTED))
            }
        }
    }

    fn subscription_info(&self, _product: Product) -> SubscriptionInfo {
        SubscriptionInfo {
            api_requests_count: i32::try_from(self.counted()).unwrap_or(i32::MAX),
            api_requests_limit: REQUEST_LIMIT,
            subscription_plan: PLAN.to_owned(),
        }
    }
}

/// What `get_application_info` answers for `product`.
pub(crate) fn application_info(product: Product) -> ApplicationInfo {
    let (name, kind, major) = match product {
        Product::Rfem => ("RFEM 6", ApplicationType::Rfem, 6),
        Product::Rstab => ("RSTAB 9", ApplicationType::Rstab, 9),
        Product::Rsection => ("RSECTION 1", ApplicationType::Rsection, 1),
    };
    ApplicationInfo {
        name: name.to_owned(),
        r#type: kind as i32,
        is_server_instance: false,
        version: format!("{major}.{VERSION}"),
        full_version: format!("{major}.{VERSION}.0 (SimCred sandbox)"),
        options: String::new(),
        language_name: "English".to_owned(),
        language_id: "en".to_owned(),
    }
}

/// The product and method a request path names, when it is one of the three services'.
fn route(path: &str) -> Option<(Product, &str)> {
    let (service, method) = path.strip_prefix('/')?.split_once('/')?;
    let product = Product::ALL.into_iter().find(|p| p.service() == service)?;
    Some((product, method))
}

/// The `Application` services of all three products, as one tower service.
#[derive(Clone)]
struct AppService {
    dlubal: Arc<Dlubal>,
}

/// One unary method: checks the key, then answers with `answer`.
struct Unary<M> {
    dlubal: Arc<Dlubal>,
    product: Product,
    answer: fn(&Dlubal, Product) -> M,
}

impl<M: Send + 'static> UnaryService<Empty> for Unary<M> {
    type Response = M;
    type Future = BoxFuture<tonic::Response<M>, Status>;

    fn call(&mut self, request: tonic::Request<Empty>) -> Self::Future {
        let answer = self
            .dlubal
            .authorise(request.metadata())
            .map(|()| tonic::Response::new((self.answer)(&self.dlubal, self.product)));
        Box::pin(std::future::ready(answer))
    }
}

fn unary<M, B>(
    method: Unary<M>,
    req: http::Request<B>,
) -> BoxFuture<http::Response<tonic::body::Body>, Infallible>
where
    M: prost::Message + Default + Send + 'static,
    B: tonic::codegen::Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    Box::pin(async move {
        let codec = tonic_prost::ProstCodec::<M, Empty>::default();
        let mut grpc = Grpc::new(codec)
            .accept_compressed(CompressionEncoding::Gzip)
            .send_compressed(CompressionEncoding::Gzip);
        Ok(grpc.unary(method, req).await)
    })
}

impl<B> Service<http::Request<B>> for AppService
where
    B: tonic::codegen::Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        self.dlubal.requests.fetch_add(1, Ordering::SeqCst);
        let dlubal = Arc::clone(&self.dlubal);
        match route(req.uri().path()) {
            Some((product, GET_APPLICATION_INFO)) => unary(
                Unary {
                    dlubal,
                    product,
                    answer: |_, p| application_info(p),
                },
                req,
            ),
            Some((product, GET_SUBSCRIPTION_INFO)) => unary(
                Unary {
                    dlubal,
                    product,
                    answer: Dlubal::subscription_info,
                },
                req,
            ),
            Some((product, CLOSE_CONNECTION)) => unary(
                Unary {
                    dlubal,
                    product,
                    answer: |_, _| Empty {},
                },
                req,
            ),
            _ => Box::pin(std::future::ready(Ok(Status::unimplemented(
                "this method is not served by the SimCred sandbox",
            )
            .into_http()))),
        }
    }
}

/// The running gRPC listeners; dropping it stops them and joins their thread.
pub(crate) struct DlubalServer {
    stop: Option<tokio::sync::watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
}

/// Binds the plain and TLS listeners on `127.0.0.1` (port 0: a free one) and starts serving,
/// with `good` and `limited` keys valid from the start.
///
/// # Errors
/// When a port cannot be bound, the certificates cannot be made or a thread cannot be spawned.
pub(crate) fn start(
    port: u16,
    tls_port: u16,
    good: Vec<String>,
    limited: Vec<String>,
) -> std::io::Result<(Arc<Dlubal>, DlubalServer)> {
    let plain = bind(port)?;
    let tls = bind(tls_port)?;
    let certs = crate::dlubal_tls::make()?;
    let tls_config = ServerTlsConfig::new()
        .identity(Identity::from_pem(&certs.cert_pem, &certs.key_pem))
        .timeout(TLS_HANDSHAKE_TIMEOUT);
    let dlubal = Arc::new(Dlubal {
        keys: Mutex::new(Keys { good, limited }),
        requests: AtomicUsize::new(0),
        counted: AtomicUsize::new(0),
        port: plain.local_addr()?.port(),
        tls_port: tls.local_addr()?.port(),
        ca_pem: certs.ca_pem,
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (plain, tls) = {
        let _guard = runtime.enter();
        (
            tokio::net::TcpListener::from_std(plain)?,
            tokio::net::TcpListener::from_std(tls)?,
        )
    };
    let tls_server = Server::builder()
        .tls_config(tls_config)
        .map_err(|e| std::io::Error::other(format!("the TLS listener's configuration: {e}")))?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let service = AppService {
        dlubal: Arc::clone(&dlubal),
    };
    let thread = thread::Builder::new()
        .name("sandbox-dlubal".to_owned())
        .spawn(move || {
            runtime.block_on(serve(service, plain, tls, tls_server, stopped));
            // Dropping the runtime here cancels whatever the grace period left running.
        })?;
    Ok((
        dlubal,
        DlubalServer {
            stop: Some(stop),
            thread: Some(thread),
        },
    ))
}

fn bind(port: u16) -> std::io::Result<TcpListener> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Serves both listeners until `stopped` turns true, then gives open calls [`SHUTDOWN_GRACE`].
async fn serve(
    service: AppService,
    plain: tokio::net::TcpListener,
    tls: tokio::net::TcpListener,
    tls_server: Server,
    stopped: tokio::sync::watch::Receiver<bool>,
) {
    let signal = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let plain = Server::builder().serve_with_incoming_shutdown(
        service.clone(),
        TcpIncoming::from(plain).with_nodelay(Some(true)),
        signal(stopped.clone()),
    );
    let tls = tls_server.serve_with_incoming_shutdown(
        service,
        TcpIncoming::from(tls).with_nodelay(Some(true)),
        signal(stopped.clone()),
    );
    let both = async { tokio::join!(plain, tls) };
    tokio::select! {
        _ = both => {}
        () = async {
            signal(stopped).await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => {}
    }
}

impl Drop for DlubalServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The control endpoints under `/_sandbox/dlubal`; Dlubal serves no HTTP of its own.
impl Vendor for Dlubal {
    fn name(&self) -> &'static str {
        "dlubal"
    }

    fn handle(&self, _req: &Request) -> Option<Response> {
        None
    }

    fn control(&self, req: &Request, rest: &str) -> Option<Response> {
        match rest {
            "" if req.is_get() => Some(Response::json(
                200,
                &json!({
                    "port": self.port,
                    "tls_port": self.tls_port,
                    "ca_pem": self.ca_pem,
                    "requests": self.requests(),
                    "api_requests_count": self.counted(),
                }),
            )),
            "" => Some(method_not_allowed("GET")),
            "keys" if req.method == "POST" => {
                let body = req.json_body();
                let key = body
                    .as_ref()
                    .and_then(|v| v.get("key"))
                    .and_then(|k| k.as_str())
                    .map(str::trim)
                    .filter(|k| !k.is_empty());
                let limited = body
                    .as_ref()
                    .and_then(|v| v.get("limited"))
                    .map(|l| l.as_bool());
                Some(match (key, limited) {
                    (Some(key), None | Some(Some(_))) => {
                        self.add_key(key, limited.flatten().unwrap_or(false));
                        Response::empty(204)
                    }
                    _ => Response::error(
                        400,
                        "Expected a JSON body {\"key\": \"...\"} (and optionally \"limited\": true)",
                    ),
                })
            }
            "keys" => Some(method_not_allowed("POST")),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_the_three_services_only() {
        assert_eq!(
            route("/dlubal.api.rstab.Application/get_application_info"),
            Some((Product::Rstab, GET_APPLICATION_INFO))
        );
        assert_eq!(
            route("/dlubal.api.rsection.Application/close_connection"),
            Some((Product::Rsection, CLOSE_CONNECTION))
        );
        assert_eq!(
            route("/dlubal.api.rfem6.Application/get_application_info"),
            None
        );
        assert_eq!(route("/x"), None);
        assert_eq!(route(""), None);
    }

    #[test]
    fn the_version_matches_the_clients_minor() {
        // dlubal-api 2.16.4 compares `version.split('.')[1:3]` with its own.
        for p in Product::ALL {
            let v = application_info(p).version;
            let parts: Vec<&str> = v.split('.').collect();
            assert_eq!(parts[1..3], ["16", "4"], "{v}");
        }
        assert_eq!(application_info(Product::Rsection).name, "RSECTION 1");
        assert_eq!(
            application_info(Product::Rstab).r#type,
            ApplicationType::Rstab as i32
        );
    }
}
