//! The loopback server every vendor shares: listening, one thread per connection, the
//! Host/Origin guard, the `/_sandbox/*` control endpoints, fault injection, routing to the vendor
//! modules, and a prompt shutdown.
//!
//! A vendor is a type implementing [`Vendor`]; adding one is adding a module that implements it
//! and listing it in `Sandbox::start`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufReader, Write};
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::http::{self, escape_html, Request, Response};

/// How long a connection may take to send its request or read its response. Shutdown does not
/// wait for this: it shuts every open socket down.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// Path prefix of the control endpoints, which are never faulted nor counted.
const CONTROL_PREFIX: &str = "/_sandbox/";

/// A way for the vendor endpoints to misbehave, set with `Sandbox::set_fault` or
/// `POST /_sandbox/fault`. Faults apply to every request outside `/_sandbox/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    /// Answer normally.
    #[default]
    None,
    /// Answer 200 with an HTML page (a captive portal or a login wall).
    Html,
    /// Answer 500 with `{"error":{"message":"internal error","code":500}}`.
    ServerError,
    /// Read the request and never answer, until the fault changes (then answer as the new fault
    /// says) or the sandbox is dropped (then close the connection).
    Hang,
    /// Close the connection without sending a byte.
    Reset,
    /// Answer 200 `application/json` with a body that is not JSON.
    Garbage,
    /// Answer `302 Found` to `https://evil.example.invalid/` + the same path (a hijacked or
    /// misconfigured front): a client must not follow it with its secrets.
    Redirect,
}

/// Where `Fault::Redirect` sends clients.
pub const REDIRECT_ORIGIN: &str = "https://evil.example.invalid";

impl Fault {
    /// The name used by `POST /_sandbox/fault`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::Html => "html",
            Fault::ServerError => "500",
            Fault::Hang => "hang",
            Fault::Reset => "reset",
            Fault::Garbage => "garbage",
            Fault::Redirect => "redirect",
        }
    }
}

impl std::str::FromStr for Fault {
    type Err = String;

    /// Parses the names of `POST /_sandbox/fault`: `none`, `html`, `500` (or `server-error`),
    /// `hang`, `reset`, `garbage`, `redirect`.
    fn from_str(s: &str) -> Result<Fault, String> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(Fault::None),
            "html" => Ok(Fault::Html),
            "500" | "server-error" | "server_error" | "servererror" => Ok(Fault::ServerError),
            "hang" => Ok(Fault::Hang),
            "reset" => Ok(Fault::Reset),
            "garbage" => Ok(Fault::Garbage),
            "redirect" => Ok(Fault::Redirect),
            _ => Err(format!(
                "unknown fault {s:?}; expected none, html, 500, hang, reset, garbage or redirect"
            )),
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One vendor's fake service.
pub(crate) trait Vendor: Send + Sync {
    /// The name under which its control endpoints live: `/_sandbox/{name}/...`.
    fn name(&self) -> &'static str;

    /// Answers a vendor request, or `None` when the path is not this vendor's.
    fn handle(&self, req: &Request) -> Option<Response>;

    /// Answers `/_sandbox/{name}/{rest}`, or `None` when `rest` is unknown.
    fn control(&self, req: &Request, rest: &str) -> Option<Response>;
}

/// What the handler threads share.
struct Shared {
    state: Mutex<State>,
    /// Signalled whenever `state` changes, so hung requests re-check it at once.
    changed: Condvar,
    requests: AtomicUsize,
    vendors: Vec<Arc<dyn Vendor>>,
    /// A clone of every open connection, so that shutdown can unblock their reads.
    connections: Mutex<HashMap<u64, TcpStream>>,
    /// Handler threads, joined on shutdown.
    handlers: Mutex<Vec<JoinHandle<()>>>,
}

struct State {
    fault: Fault,
    shutdown: bool,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running server; shuts down and joins its threads on drop.
pub(crate) struct Server {
    shared: Arc<Shared>,
    addr: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `127.0.0.1:port` (0 = ephemeral) and starts serving `vendors`.
    pub fn start(port: u16, vendors: Vec<Arc<dyn Vendor>>) -> std::io::Result<Server> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                fault: Fault::None,
                shutdown: false,
            }),
            changed: Condvar::new(),
            requests: AtomicUsize::new(0),
            vendors,
            connections: Mutex::new(HashMap::new()),
            handlers: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("sandbox-accept".to_owned())
                .spawn(move || accept_loop(&shared, &listener))?
        };
        Ok(Server {
            shared,
            addr,
            acceptor: Some(acceptor),
        })
    }

    /// The bound address (always on 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sets the fault for vendor endpoints; hung requests re-check it at once.
    pub fn set_fault(&self, fault: Fault) {
        set_fault(&self.shared, fault);
    }

    /// The current fault.
    pub fn fault(&self) -> Fault {
        self.shared.state().fault
    }

    /// Vendor requests received so far (after the Host guard, faulted ones included).
    pub fn request_count(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.state().shutdown = true;
        self.shared.changed.notify_all();
        // Wake the blocking accept() with a connection of our own; the loop then sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        // The acceptor registered every connection before spawning its handler, so after the
        // join this covers them all: shutting the sockets down unblocks any pending read.
        for stream in lock(&self.shared.connections).values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let handlers = std::mem::take(&mut *lock(&self.shared.handlers));
        for handler in handlers {
            let _ = handler.join();
        }
    }
}

fn set_fault(shared: &Shared, fault: Fault) {
    shared.state().fault = fault;
    shared.changed.notify_all();
}

fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    let mut next_id: u64 = 0;
    for stream in listener.incoming() {
        if shared.state().shutdown {
            break;
        }
        let Ok(stream) = stream else {
            // Transient accept errors (EMFILE, ECONNABORTED): back off briefly, keep serving.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let Ok(clone) = stream.try_clone() else {
            continue;
        };
        next_id += 1;
        let id = next_id;
        lock(&shared.connections).insert(id, clone);
        let worker = {
            let shared = Arc::clone(shared);
            thread::Builder::new()
                .name("sandbox-conn".to_owned())
                .spawn(move || {
                    serve_connection(&shared, &stream);
                    lock(&shared.connections).remove(&id);
                })
        };
        let mut handlers = lock(&shared.handlers);
        handlers.retain(|h| !h.is_finished());
        match worker {
            Ok(handle) => handlers.push(handle),
            Err(_) => {
                lock(&shared.connections).remove(&id);
            }
        }
    }
}

fn serve_connection(shared: &Shared, stream: &TcpStream) {
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let mut writer = stream;
    let request = match http::read_request(&mut BufReader::new(stream), &mut writer) {
        Ok(request) => request,
        Err(err) => {
            if let Some(response) = err.response() {
                let _ = response.write_to(&mut writer, false);
            }
            return;
        }
    };
    if let Some(response) = dispatch(shared, &request) {
        let _ = response.write_to(&mut writer, request.is_head());
        let _ = writer.flush();
        let _ = stream.shutdown(Shutdown::Write);
    }
    // Otherwise (Reset, or shutdown during a Hang) the stream closes with nothing sent.
}

/// Answers one request, or `None` to close the connection without a response.
fn dispatch(shared: &Shared, req: &Request) -> Option<Response> {
    if let Some(denied) = guard(req) {
        return Some(denied);
    }
    if let Some(rest) = req.path.strip_prefix(CONTROL_PREFIX) {
        return Some(control(shared, req, rest));
    }
    shared.requests.fetch_add(1, Ordering::SeqCst);
    loop {
        let fault = shared.state().fault;
        return match fault {
            Fault::None => Some(route(shared, req)),
            Fault::Html => Some(Response::html_page(
                200,
                "Sign in",
                "<p>Please sign in to continue.</p>\n<form method=\"post\" action=\"/login\">\
                 <input name=\"user\"><button>Sign in</button></form>",
            )),
            Fault::ServerError => Some(Response::error(500, "internal error")),
            Fault::Garbage => Some(Response::new(
                200,
                "application/json",
                "{\"data\": {\"username\": \"demo-user\", <<garbage>>",
            )),
            Fault::Redirect => {
                let location = format!("{REDIRECT_ORIGIN}{}", header_safe(&req.path));
                Some(
                    Response::html_page(
                        302,
                        "Found",
                        &format!(
                            "<p>This page has moved to <a href=\"{0}\">{0}</a>.</p>",
                            escape_html(&location)
                        ),
                    )
                    .with_header("Location", &location),
                )
            }
            Fault::Reset => None,
            Fault::Hang => {
                let state = shared
                    .changed
                    .wait_while(shared.state(), |s| s.fault == Fault::Hang && !s.shutdown)
                    .unwrap_or_else(PoisonError::into_inner);
                if state.shutdown {
                    return None;
                }
                continue;
            }
        };
    }
}

fn route(shared: &Shared, req: &Request) -> Response {
    shared
        .vendors
        .iter()
        .find_map(|v| v.handle(req))
        .unwrap_or_else(not_found)
}

/// `path` with every byte outside visible ASCII percent-encoded, so that it can go in a header.
fn header_safe(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_graphic() {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The path below `prefix` (`""` or starting with `/`), or `None` when `path` is not under it.
pub(crate) fn below<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = path.strip_prefix(prefix)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// The 404 every unknown path gets.
pub(crate) fn not_found() -> Response {
    Response::error(404, "Not found")
}

/// The 405 a known path gets for a method it does not take.
pub(crate) fn method_not_allowed(allow: &str) -> Response {
    Response::error(405, "Method not allowed").with_header("Allow", allow)
}

fn control(shared: &Shared, req: &Request, rest: &str) -> Response {
    match rest.trim_end_matches('/') {
        "health" if req.is_get() => Response::json(200, &serde_json::json!({ "ok": true })),
        "health" => method_not_allowed("GET"),
        "fault" if req.method == "POST" => {
            let name = req
                .json_body()
                .and_then(|v| v.get("fault").and_then(|f| f.as_str().map(str::to_owned)));
            let Some(name) = name else {
                return Response::error(400, "Expected a JSON body {\"fault\": \"...\"}");
            };
            match name.parse::<Fault>() {
                Ok(fault) => {
                    set_fault(shared, fault);
                    Response::empty(204)
                }
                Err(message) => Response::error(400, &message),
            }
        }
        "fault" => method_not_allowed("POST"),
        other => {
            let (name, sub) = other.split_once('/').unwrap_or((other, ""));
            shared
                .vendors
                .iter()
                .filter(|v| v.name() == name)
                .find_map(|v| v.control(req, sub))
                .unwrap_or_else(not_found)
        }
    }
}

/// The DNS-rebinding guard: a request must name a loopback host, and a browser request must come
/// from a loopback origin. Returns the refusal, or `None` when the request may go on.
fn guard(req: &Request) -> Option<Response> {
    match req.header("host") {
        Some(host) if is_loopback_host(host) => {}
        _ => return Some(Response::error(403, "Host must be a loopback address")),
    }
    if let Some(origin) = req.header("origin") {
        let host = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        if !host.is_some_and(|h| !h.contains('/') && is_loopback_host(h)) {
            return Some(Response::error(403, "Origin must be a loopback origin"));
        }
    }
    None
}

/// Whether a Host header value (`name[:port]`) names the loopback: `localhost`, `127.0.0.0/8`
/// or `[::1]`.
fn is_loopback_host(value: &str) -> bool {
    fn port_ok(port: &str) -> bool {
        port.is_empty() || port.parse::<u16>().is_ok()
    }
    let value = value.trim();
    if let Some(rest) = value.strip_prefix('[') {
        let Some((inner, tail)) = rest.split_once(']') else {
            return false;
        };
        let port_ok = match tail.strip_prefix(':') {
            Some(port) => !port.is_empty() && port_ok(port),
            None => tail.is_empty(),
        };
        return port_ok && inner.parse::<Ipv6Addr>().is_ok_and(|a| a.is_loopback());
    }
    let name = match value.split_once(':') {
        Some((name, port)) if !port.is_empty() && port_ok(port) => name,
        Some(_) => return false,
        None => value,
    };
    let name = name.strip_suffix('.').unwrap_or(name);
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<Ipv4Addr>().is_ok_and(|a| a.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for ok in [
            "127.0.0.1",
            "127.0.0.1:8080",
            "127.1.2.3:1",
            "localhost",
            "LOCALHOST:80",
            "localhost.",
            "[::1]",
            "[::1]:443",
        ] {
            assert!(is_loopback_host(ok), "{ok} should pass");
        }
        for bad in [
            "",
            "evil.example",
            "evil.example:80",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "128.0.0.1",
            "0.0.0.0",
            "10.0.0.1:80",
            "127.0.0.1:",
            "127.0.0.1:99999",
            "127.0.0.1:80:80",
            "[::2]",
            "[::1",
            "[::1]x",
            "::1",
            "sub.localhost",
        ] {
            assert!(!is_loopback_host(bad), "{bad} should fail");
        }
    }

    fn request(headers: &[(&str, &str)]) -> Request {
        Request {
            method: "GET".into(),
            path: "/".into(),
            query: None,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: Vec::new(),
        }
    }

    #[test]
    fn guard_checks_host_and_origin() {
        assert!(guard(&request(&[("Host", "127.0.0.1:1")])).is_none());
        assert!(guard(&request(&[
            ("Host", "localhost:1"),
            ("Origin", "http://localhost:1")
        ]))
        .is_none());
        for headers in [
            &[][..],
            &[("Host", "evil.example")][..],
            &[("Host", "127.0.0.1"), ("Origin", "http://evil.example")][..],
            &[("Host", "127.0.0.1"), ("Origin", "null")][..],
            &[("Host", "127.0.0.1"), ("Origin", "http://127.0.0.1/x")][..],
        ] {
            let denied = guard(&request(headers)).expect("should be denied");
            assert_eq!(denied.status, 403);
        }
    }

    #[test]
    fn fault_names_round_trip() {
        for fault in [
            Fault::None,
            Fault::Html,
            Fault::ServerError,
            Fault::Hang,
            Fault::Reset,
            Fault::Garbage,
            Fault::Redirect,
        ] {
            assert_eq!(fault.as_str().parse::<Fault>(), Ok(fault));
        }
        assert_eq!("Server-Error".parse::<Fault>(), Ok(Fault::ServerError));
        assert!("slow".parse::<Fault>().is_err());
    }

    #[test]
    fn redirect_location_cannot_inject_headers() {
        assert_eq!(header_safe("/a/b?c"), "/a/b?c");
        assert_eq!(header_safe("/a\r\nX: y é"), "/a%0D%0AX:%20y%20%C3%A9");
        assert_eq!(below("/v2/x", "/v2"), Some("/x"));
        assert_eq!(below("/v2", "/v2"), Some(""));
        assert_eq!(below("/v22", "/v2"), None);
    }
}
