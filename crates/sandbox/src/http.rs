//! Minimal HTTP/1.1 plumbing for the sandbox: read one request from a socket, write one response.
//!
//! This is hand-rolled on `std` instead of using a server crate because the sandbox must misbehave
//! on purpose: close a connection without sending anything, or hold a request open until told to
//! let go. Servers built to be correct do not allow that (tiny_http, for one, answers 500 for any
//! request dropped unanswered). The subset is small: one request per connection (every response
//! carries `Connection: close`), `Content-Length` bodies only, origin-form targets only.

use std::fmt::Write as _;
use std::io::{self, BufRead, Read, Write};

/// Largest request head (request line + headers) accepted.
pub(crate) const MAX_HEAD: usize = 64 * 1024;
/// Largest request body accepted.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// One parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// The method, as sent (methods are case-sensitive).
    pub method: String,
    /// The path part of the target, without the query, not percent-decoded.
    pub path: String,
    /// The query string after `?`, if any.
    pub query: Option<String>,
    /// Header fields in arrival order; names as sent, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The body (empty when none was sent).
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, or `None` when it is not JSON.
    pub fn json_body(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The query's parameters, percent-decoded (`+` as a space), in order.
    pub fn query_params(&self) -> Form {
        Form::parse(self.query.as_deref().unwrap_or(""))
    }

    /// Whether the body is declared `application/x-www-form-urlencoded`.
    pub fn has_form_body(&self) -> bool {
        self.header("content-type").is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        })
    }

    /// The body parsed as an HTML form (`application/x-www-form-urlencoded`); invalid UTF-8 is
    /// replaced, not refused.
    pub fn form_body(&self) -> Form {
        Form::parse(&String::from_utf8_lossy(&self.body))
    }

    /// Whether this is a HEAD request (answered like GET, without the body).
    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }

    /// Whether the method is GET (or HEAD, which is answered as GET).
    pub fn is_get(&self) -> bool {
        self.method == "GET" || self.is_head()
    }
}

/// Decoded `application/x-www-form-urlencoded` pairs (a query string or a form body).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Form(pub Vec<(String, String)>);

impl Form {
    /// Parses `a=1&b=x+y&c`, percent-decoding names and values (`+` is a space); empty pieces
    /// are skipped and a name without `=` gets an empty value.
    pub fn parse(text: &str) -> Form {
        Form(
            text.split('&')
                .filter(|piece| !piece.is_empty())
                .map(|piece| {
                    let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
                    (percent_decode(name, true), percent_decode(value, true))
                })
                .collect(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, unless it is missing or empty.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }
}

/// Percent-decodes `text` (and `+` to a space when `plus_as_space`, as forms want). A `%` not
/// followed by two hex digits stays as it is; bytes that are not UTF-8 are replaced.
pub(crate) fn percent_decode(text: &str, plus_as_space: bool) -> String {
    fn hex(b: u8) -> Option<u8> {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let decoded = bytes
                    .get(i + 1..i + 3)
                    .and_then(|pair| Some(hex(pair[0])? << 4 | hex(pair[1])?));
                if let Some(b) = decoded {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' if plus_as_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Why no request could be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed the connection (or it was shut down) before a full request arrived.
    Closed,
    /// Reading or writing failed (a timeout, a reset).
    Io,
    /// The request is malformed; the message says how.
    Bad(&'static str),
    /// The head or the body is over the limits above.
    TooLarge,
    /// The request uses a feature this server does not speak (chunked bodies).
    Unsupported(&'static str),
}

impl ReadError {
    /// The response to send for this error, if the connection can still take one.
    pub fn response(&self) -> Option<Response> {
        match self {
            ReadError::Closed | ReadError::Io => None,
            ReadError::Bad(msg) => Some(Response::error(400, msg)),
            ReadError::TooLarge => Some(Response::error(413, "Request too large")),
            ReadError::Unsupported(msg) => Some(Response::error(501, msg)),
        }
    }
}

/// Reads one request. `interim` receives `100 Continue` when the client asks for it.
pub(crate) fn read_request(
    reader: &mut impl BufRead,
    interim: &mut impl Write,
) -> Result<Request, ReadError> {
    let mut budget = MAX_HEAD;
    // RFC 9112 §2.2: ignore empty lines before the request line.
    let mut line = read_line(reader, &mut budget)?;
    while line.is_empty() {
        line = read_line(reader, &mut budget)?;
    }
    let mut parts = line.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) if !m.is_empty() && !t.is_empty() => (m, t, v),
        _ => return Err(ReadError::Bad("Malformed request line")),
    };
    if !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(ReadError::Bad("Malformed method"));
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(ReadError::Unsupported("HTTP version not supported"));
    }
    if !target.starts_with('/') {
        return Err(ReadError::Bad(
            "Only origin-form request targets are accepted",
        ));
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (target.to_owned(), None),
    };

    let mut headers = Vec::new();
    loop {
        let line = read_line(reader, &mut budget)?;
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            return Err(ReadError::Bad("Obsolete header line folding"));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or(ReadError::Bad("Malformed header line"))?;
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(ReadError::Bad("Malformed header name"));
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }

    let mut request = Request {
        method: method.to_owned(),
        path,
        query,
        headers,
        body: Vec::new(),
    };
    if request.header("transfer-encoding").is_some() {
        return Err(ReadError::Unsupported(
            "Transfer-Encoding is not supported; send Content-Length",
        ));
    }
    let mut length: Option<usize> = None;
    for (_, value) in request
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        let n: usize = value
            .parse()
            .map_err(|_| ReadError::Bad("Malformed Content-Length"))?;
        if length.is_some_and(|m| m != n) {
            return Err(ReadError::Bad("Conflicting Content-Length headers"));
        }
        length = Some(n);
    }
    let length = length.unwrap_or(0);
    if length > MAX_BODY {
        return Err(ReadError::TooLarge);
    }
    if length > 0 {
        let wants_continue = request
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
        if wants_continue {
            interim
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .and_then(|()| interim.flush())
                .map_err(|_| ReadError::Io)?;
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => ReadError::Closed,
            _ => ReadError::Io,
        })?;
        request.body = body;
    }
    Ok(request)
}

/// Reads one line of the head, without its line ending, charging it to `budget`.
fn read_line(reader: &mut impl BufRead, budget: &mut usize) -> Result<String, ReadError> {
    let mut buf = Vec::new();
    let limit = u64::try_from(*budget).unwrap_or(u64::MAX) + 1;
    let n = reader
        .by_ref()
        .take(limit)
        .read_until(b'\n', &mut buf)
        .map_err(|e| match e.kind() {
            io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => ReadError::Closed,
            _ => ReadError::Io,
        })?;
    if n > *budget {
        return Err(ReadError::TooLarge);
    }
    if buf.last() != Some(&b'\n') {
        return Err(ReadError::Closed);
    }
    *budget -= n;
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    String::from_utf8(buf).map_err(|_| ReadError::Bad("Request head is not UTF-8"))
}

/// One response, written whole with `Content-Length` and `Connection: close`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A response with a body of the given content type.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
            body: body.into(),
        }
    }

    /// A JSON response.
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response::new(status, "application/json", value.to_string())
    }

    /// An error in the shape the vendors use: `{"error": {"message", "code"}}`.
    pub fn error(status: u16, message: &str) -> Response {
        Response::json(
            status,
            &serde_json::json!({ "error": { "message": message, "code": status } }),
        )
    }

    /// A response without a body (204 and friends).
    pub fn empty(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A small self-contained HTML page; `body_html` must already be escaped.
    pub fn html_page(status: u16, title: &str, body_html: &str) -> Response {
        let title = escape_html(title);
        let page = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n{body_html}\n</body>\n</html>\n"
        );
        Response::new(status, "text/html; charset=utf-8", page)
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Writes the whole response; `head_only` leaves out the body (for HEAD requests).
    pub fn write_to(&self, w: &mut impl Write, head_only: bool) -> io::Result<()> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            let _ = write!(out, "{name}: {value}\r\n");
        }
        let _ = write!(out, "Content-Length: {}\r\n", self.body.len());
        out.push_str("Cache-Control: no-store\r\nConnection: close\r\n\r\n");
        let mut bytes = out.into_bytes();
        if !head_only {
            bytes.extend_from_slice(&self.body);
        }
        w.write_all(&bytes)?;
        w.flush()
    }
}

/// Escapes text for HTML element content and double-quoted attributes.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<Request, ReadError> {
        let mut reader = io::BufReader::new(raw.as_bytes());
        read_request(&mut reader, &mut io::sink())
    }

    #[test]
    fn parses_a_request_with_body_and_query() {
        let req = parse(
            "POST /a/b?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nX-K:  v \r\n\r\nbody",
        )
        .unwrap();
        assert_eq!(req.method, "POST");
        assert_eq!(req.path, "/a/b");
        assert_eq!(req.query.as_deref(), Some("x=1"));
        assert_eq!(req.header("x-k"), Some("v"));
        assert_eq!(req.header("HOST"), Some("127.0.0.1"));
        assert_eq!(req.body, b"body");
    }

    #[test]
    fn tolerates_bare_newlines_and_leading_empty_lines() {
        let req = parse("\r\nGET / HTTP/1.0\nHost: localhost\n\n").unwrap();
        assert_eq!(req.path, "/");
        assert!(req.body.is_empty());
    }

    #[test]
    fn rejects_what_it_does_not_speak() {
        assert!(matches!(parse(""), Err(ReadError::Closed)));
        assert!(matches!(
            parse("GET / HTTP/1.1\r\n"),
            Err(ReadError::Closed)
        ));
        assert!(matches!(parse("GET /\r\n\r\n"), Err(ReadError::Bad(_))));
        assert!(matches!(
            parse("GET http://evil/ HTTP/1.1\r\n\r\n"),
            Err(ReadError::Bad(_))
        ));
        assert!(matches!(
            parse("GET / HTTP/2\r\n\r\n"),
            Err(ReadError::Unsupported(_))
        ));
        assert!(matches!(
            parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            Err(ReadError::Unsupported(_))
        ));
        assert!(matches!(
            parse("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
            Err(ReadError::Bad(_))
        ));
        assert!(matches!(
            parse("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"),
            Err(ReadError::Closed)
        ));
        let huge = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert!(matches!(parse(&huge), Err(ReadError::TooLarge)));
        let big_body = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        );
        assert!(matches!(parse(&big_body), Err(ReadError::TooLarge)));
    }

    #[test]
    fn answers_expect_continue() {
        let raw = "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok";
        let mut interim = Vec::new();
        let req = read_request(&mut io::BufReader::new(raw.as_bytes()), &mut interim).unwrap();
        assert_eq!(req.body, b"ok");
        assert_eq!(interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    }

    #[test]
    fn writes_a_closed_response() {
        let mut out = Vec::new();
        Response::error(404, "Not found")
            .with_header("X-A", "b")
            .write_to(&mut out, false)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 404 Not Found\r\n"));
        assert!(text.contains("\r\nX-A: b\r\n"));
        assert!(text.contains("\r\nConnection: close\r\n"));
        let (_, body) = text.split_once("\r\n\r\n").unwrap();
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"error": {"message": "Not found", "code": 404}})
        );

        let mut head = Vec::new();
        Response::json(200, &serde_json::json!({"a": 1}))
            .write_to(&mut head, true)
            .unwrap();
        let head = String::from_utf8(head).unwrap();
        assert!(head.contains("Content-Length: 7\r\n") && head.ends_with("\r\n\r\n"));
    }

    #[test]
    fn parses_forms_and_percent_decodes() {
        let form = Form::parse("a=1&b=x+y%2Bz&&c&d=%E2%9C%93&e=%zz%4&a=2");
        assert_eq!(form.get("a"), Some("1"), "the first value wins");
        assert_eq!(form.get("b"), Some("x y+z"));
        assert_eq!(form.get("c"), Some(""));
        assert_eq!(form.non_empty("c"), None);
        assert_eq!(form.get("d"), Some("\u{2713}"));
        assert_eq!(form.get("e"), Some("%zz%4"));
        assert_eq!(form.get("nope"), None);
        assert_eq!(Form::parse(""), Form::default());
        assert_eq!(percent_decode("a+b%2Fc%", false), "a+b/c%");
        assert_eq!(percent_decode("%ff", false), "\u{fffd}");

        let mut req = parse("POST / HTTP/1.1\r\nContent-Type: Application/X-WWW-Form-Urlencoded; charset=UTF-8\r\nContent-Length: 3\r\n\r\nk=v").unwrap();
        assert!(req.has_form_body());
        assert_eq!(req.form_body().get("k"), Some("v"));
        req.headers.clear();
        assert!(!req.has_form_body());
        let req = parse("GET /x?user_code=AB-CD HTTP/1.1\r\n\r\n").unwrap();
        assert_eq!(req.query_params().get("user_code"), Some("AB-CD"));
    }

    #[test]
    fn escapes_html() {
        assert_eq!(
            escape_html("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
