//! Hostile peers for the hardening suites: a scripted HTTP/1.1 server whose replies a test
//! writes by hand (any status, header or body a real server could send, including ones built
//! from the request, such as echoing the API key back), and a recording TCP listener that
//! stands in for a proxy and keeps the first bytes each connection sent (`CONNECT host:443 …`).
//!
//! Both bind 127.0.0.1 on a free port, serve each connection on its own thread with
//! `Connection: close`, record everything they receive for the test to assert on, and stop
//! when dropped. std only: no HTTP library sits between the test and the bytes on the wire.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a connection may stay silent before the server gives up on it.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// The most a request head or body may be.
const MAX_BYTES: usize = 4 * 1024 * 1024;

/// One request as the scripted server received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target as sent: path and query (`/hub/api/user?x=1`).
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Everything received on the connection for this request, head and body.
    pub raw: Vec<u8>,
}

impl Request {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A field of an `application/x-www-form-urlencoded` body, decoded.
    pub fn form(&self, name: &str) -> Option<String> {
        form_field(&self.body_text(), name)
    }

    /// Whether `needle` occurs anywhere in what was received (head or body).
    pub fn contains(&self, needle: &str) -> bool {
        contains_bytes(&self.raw, needle.as_bytes())
            || self.form_values().iter().any(|v| v.contains(needle))
    }

    fn form_values(&self) -> Vec<String> {
        self.body_text()
            .split('&')
            .filter_map(|kv| kv.split_once('=').map(|(_, v)| percent_decode(v)))
            .collect()
    }
}

/// A canned reply: status, headers and body. `Content-Length` and `Connection: close` are added.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn new(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A reply with a JSON body (given as text, so a test can send what no serializer would).
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::new(status)
            .header("Content-Type", "application/json")
            .body(body)
    }

    /// A reply with a JSON body built from a value.
    pub fn json_value(status: u16, v: &serde_json::Value) -> Reply {
        Reply::json(status, &v.to_string())
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Reply {
        self.body = body.into();
        self
    }
}

type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

struct Route {
    method: String,
    prefix: String,
    handler: Handler,
}

#[derive(Default)]
struct Shared {
    routes: Mutex<Vec<Route>>,
    requests: Mutex<Vec<Request>>,
    connections: AtomicUsize,
    stop: AtomicBool,
}

/// A scripted HTTP/1.1 server on 127.0.0.1. Unrouted requests get `404 {"error":"no route"}`.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        let accept = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                s.connections.fetch_add(1, Ordering::SeqCst);
                let s = s.clone();
                std::thread::spawn(move || serve(conn, &s));
            }
        });
        Server {
            addr,
            shared,
            accept: Some(accept),
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:PORT`.
    pub fn authority(&self) -> String {
        self.addr.to_string()
    }

    /// Answers `method` (`"*"` for any) requests whose path starts with `prefix` with `reply`.
    /// The longest matching prefix wins; among equals, the route registered last.
    pub fn route(&self, method: &str, prefix: &str, reply: Reply) {
        self.route_fn(method, prefix, move |_| reply.clone());
    }

    /// Like [`Server::route`], with the reply built from the request.
    pub fn route_fn(
        &self,
        method: &str,
        prefix: &str,
        f: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) {
        self.shared.routes.lock().unwrap().push(Route {
            method: method.to_string(),
            prefix: prefix.to_string(),
            handler: Arc::new(f),
        });
    }

    /// Forgets every route (requests then get 404).
    pub fn clear_routes(&self) {
        self.shared.routes.lock().unwrap().clear();
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// How many TCP connections were accepted (including ones that never sent valid HTTP,
    /// such as a TLS handshake).
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

fn serve(mut conn: TcpStream, shared: &Shared) {
    let _ = conn.set_read_timeout(Some(IO_TIMEOUT));
    let _ = conn.set_write_timeout(Some(IO_TIMEOUT));
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break Some(i + 4);
        }
        if buf.len() > MAX_BYTES || !read_some(&mut conn, &mut buf) {
            break None;
        }
    };
    let Some(head_end) = head_end else {
        // Not HTTP (a TLS handshake, say) or cut short: keep what came, answer nothing.
        if !buf.is_empty() {
            shared.requests.lock().unwrap().push(Request {
                method: "?".into(),
                path: String::new(),
                headers: Vec::new(),
                body: Vec::new(),
                raw: buf,
            });
        }
        return;
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_string();
    let path = first.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let header = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
    };
    let mut rest = buf[head_end..].to_vec();
    let body = if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        loop {
            if let Some(b) = dechunk(&rest) {
                break b;
            }
            if rest.len() > MAX_BYTES || !read_some(&mut conn, &mut rest) {
                break rest.clone();
            }
        }
    } else {
        let len = header("content-length")
            .and_then(|l| l.parse::<usize>().ok())
            .unwrap_or(0)
            .min(MAX_BYTES);
        while rest.len() < len {
            if !read_some(&mut conn, &mut rest) {
                break;
            }
        }
        rest.truncate(len);
        rest.clone()
    };
    let mut raw = buf[..head_end].to_vec();
    raw.extend_from_slice(&body);
    let req = Request {
        method,
        path,
        headers,
        body,
        raw,
    };
    let handler = {
        let routes = shared.routes.lock().unwrap();
        routes
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                (r.method == "*" || r.method.eq_ignore_ascii_case(&req.method))
                    && req.path.starts_with(&r.prefix)
            })
            .max_by_key(|(i, r)| (r.prefix.len(), *i))
            .map(|(_, r)| r.handler.clone())
    };
    // Recorded before answering, so a client that saw the reply finds its request logged.
    shared.requests.lock().unwrap().push(req.clone());
    let reply = match handler {
        Some(h) => h(&req),
        None => Reply::json(404, r#"{"error":"no route"}"#),
    };
    let mut out = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status)).into_bytes();
    for (k, v) in &reply.headers {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            reply.body.len()
        )
        .as_bytes(),
    );
    if req.method != "HEAD" {
        out.extend_from_slice(&reply.body);
    }
    let _ = conn.write_all(&out);
    let _ = conn.flush();
    let _ = conn.shutdown(std::net::Shutdown::Write);
    // Let the client read the reply before the socket goes away (it closes first).
    let mut sink = [0u8; 1024];
    let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
    while matches!(conn.read(&mut sink), Ok(n) if n > 0) {}
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Whatever",
    }
}

/// Reads what is available into `buf`; false at EOF, on error or on timeout.
fn read_some(conn: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 8192];
    match conn.read(&mut chunk) {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

/// The decoded body once a complete chunked encoding is in `data`.
fn dechunk(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let line_end = i + find(&data[i..], b"\r\n")?;
        let size_text = String::from_utf8_lossy(&data[i..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        let start = line_end + 2;
        if size == 0 {
            return Some(out);
        }
        if data.len() < start + size + 2 {
            return None;
        }
        out.extend_from_slice(&data[start..start + size]);
        i = start + size + 2;
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether `needle` occurs in `hay`.
pub fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && find(hay, needle).is_some()
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space, `%XX` a byte).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A field of a form-encoded text, decoded.
pub fn form_field(text: &str, name: &str) -> Option<String> {
    text.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (percent_decode(k) == name).then(|| percent_decode(v))
    })
}

/// A TCP listener that keeps the first bytes of every connection (up to the end of an HTTP
/// head, 64 KiB, or 5 s of silence), then closes it: a proxy that records what it was asked
/// and answers nothing.
pub struct Recorder {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Vec<u8>>>>,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Recorder {
    pub fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, c, s) = (received.clone(), connections.clone(), stop.clone());
        let accept = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                c.fetch_add(1, Ordering::SeqCst);
                let r = r.clone();
                std::thread::spawn(move || {
                    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                    let mut buf = Vec::new();
                    while find(&buf, b"\r\n\r\n").is_none()
                        && buf.len() < 64 * 1024
                        && read_some(&mut conn, &mut buf)
                    {}
                    r.lock().unwrap().push(buf);
                    let _ = conn.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        Recorder {
            addr,
            received,
            connections,
            stop,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:PORT`, the form a proxy setting takes.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// What each finished connection sent, in order.
    pub fn received(&self) -> Vec<Vec<u8>> {
        self.received.lock().unwrap().clone()
    }

    /// Everything received, as text (lossy), for messages and `contains` checks.
    pub fn received_text(&self) -> String {
        self.received()
            .iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect::<Vec<_>>()
            .join("\n---\n")
    }

    /// Waits until every accepted connection has been recorded (at most `deadline`).
    pub fn settle(&self, deadline: Duration) {
        crate::poll(
            "the proxy listener to record its connections",
            deadline,
            || (self.received.lock().unwrap().len() >= self.connections()).then_some(()),
        );
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// Whether `c` must never reach a terminal from outside text: C0 controls other than newline
/// and tab (ESC, BEL, backspace, carriage return…), DEL, C1 controls (U+009B is a one-character
/// CSI), and the bidi embeddings, overrides and isolates that make text read differently.
pub fn is_terminal_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Panics, naming `what` and showing where, when `text` holds a terminal-unsafe character.
pub fn assert_terminal_safe(what: &str, text: &str) {
    if let Some((i, c)) = text.char_indices().find(|(_, c)| is_terminal_unsafe(*c)) {
        let from = text[..i]
            .char_indices()
            .rev()
            .nth(60)
            .map(|(j, _)| j)
            .unwrap_or(0);
        panic!(
            "{what} holds U+{:04X} at byte {i}; around it: {:?}",
            c as u32,
            &text[from..(i + 40).min(text.len())]
        );
    }
}

/// The escapes in TOML strings of `text` that decode to a terminal-unsafe character (`\u001b`,
/// `\U0000009b`, `\e`, `\b`…), as written: stored text must be the made-safe text, not the raw
/// control characters in escaped form.
pub fn toml_unsafe_escapes(text: &str) -> Vec<String> {
    #[derive(PartialEq)]
    enum S {
        Normal,
        Comment,
        Basic,
        MlBasic,
        Literal,
        MlLiteral,
    }
    let cs: Vec<char> = text.chars().collect();
    let at = |i: usize, s: &str| cs[i..].iter().take(s.len()).copied().eq(s.chars());
    let mut found = Vec::new();
    let mut st = S::Normal;
    let mut i = 0;
    while i < cs.len() {
        match st {
            S::Normal => {
                if cs[i] == '#' {
                    st = S::Comment;
                } else if at(i, "\"\"\"") {
                    st = S::MlBasic;
                    i += 2;
                } else if cs[i] == '"' {
                    st = S::Basic;
                } else if at(i, "'''") {
                    st = S::MlLiteral;
                    i += 2;
                } else if cs[i] == '\'' {
                    st = S::Literal;
                }
            }
            S::Comment => {
                if cs[i] == '\n' {
                    st = S::Normal;
                }
            }
            S::Literal => {
                if cs[i] == '\'' || cs[i] == '\n' {
                    st = S::Normal;
                }
            }
            S::MlLiteral => {
                if at(i, "'''") {
                    st = S::Normal;
                    i += 2;
                }
            }
            S::Basic | S::MlBasic => {
                if cs[i] == '\\' && i + 1 < cs.len() {
                    let e = cs[i + 1];
                    let hex = |n: usize| -> Option<char> {
                        let h: String = cs.get(i + 2..i + 2 + n)?.iter().collect();
                        u32::from_str_radix(&h, 16).ok().and_then(char::from_u32)
                    };
                    let (decoded, len) = match e {
                        'u' => (hex(4), 6),
                        'U' => (hex(8), 10),
                        'x' => (hex(2), 4),
                        'b' => (Some('\u{8}'), 2),
                        'f' => (Some('\u{c}'), 2),
                        'e' => (Some('\u{1b}'), 2),
                        'r' => (Some('\r'), 2),
                        _ => (None, 2),
                    };
                    if decoded.is_some_and(is_terminal_unsafe) {
                        found.push(cs[i..(i + len).min(cs.len())].iter().collect());
                    }
                    i += 2;
                    continue;
                }
                if st == S::MlBasic && at(i, "\"\"\"") {
                    st = S::Normal;
                    i += 2;
                } else if st == S::Basic && (cs[i] == '"' || cs[i] == '\n') {
                    st = S::Normal;
                }
            }
        }
        i += 1;
    }
    found
}

/// Panics when `profiles.toml` text holds a terminal-unsafe character, raw or TOML-escaped.
pub fn assert_toml_safe(what: &str, text: &str) {
    assert_terminal_safe(what, text);
    let esc = toml_unsafe_escapes(text);
    assert!(
        esc.is_empty(),
        "{what} stores control characters in escaped form {esc:?}; it must store the made-safe text:\n{text}"
    );
}

/// Runs `simcred ARGS` like [`crate::Env::run_with`], but kills it and panics when it is not done
/// within `deadline` (a client that waits forever on a server's numbers is a failure).
pub fn run_within(
    env: &crate::Env,
    args: &[&str],
    stdin: Option<&str>,
    vars: &[(&str, &str)],
    deadline: Duration,
) -> crate::Out {
    use std::process::Stdio;
    let n = env.outputs.lock().unwrap().len();
    let out_path = env.home().join(format!("run-{n}.out"));
    let err_path = env.home().join(format!("run-{n}.err"));
    let mut c = env.command();
    c.args(args)
        .stdin(Stdio::piped())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    for (k, v) in vars {
        c.env(k, v);
    }
    let mut child = c.spawn().expect("spawn simcred");
    {
        let mut si = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            let _ = si.write_all(s.as_bytes());
        }
    }
    let end = std::time::Instant::now() + deadline;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait simcred") {
            break s;
        }
        if std::time::Instant::now() >= end {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`simcred {}` was still running after {deadline:?}; stderr so far:\n{}",
                args.join(" "),
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let read = |p: &std::path::Path| {
        let b = std::fs::read(p).unwrap_or_default();
        let _ = std::fs::remove_file(p);
        String::from_utf8_lossy(&b).into_owned()
    };
    let out = crate::Out {
        code: status.code().unwrap_or(-1),
        stdout: read(&out_path),
        stderr: read(&err_path),
    };
    env.outputs.lock().unwrap().push(out.clone());
    out
}

/// Panics when a run crashed: exit code 101 (a Rust panic) or "panicked" on stderr.
pub fn assert_no_panic(what: &str, out: &crate::Out) {
    assert!(
        out.code != 101 && !out.stderr.contains("panicked"),
        "{what}: simcred panicked: {out:#?}"
    );
}
