//! Shared by the HTTP reply targets: an input becomes a `Reply` a hostile server could send.
#![allow(dead_code)]

use simcred_core::http::Reply;
use simcred_core::text::is_unsafe;

const STATUSES: [u16; 16] = [
    200, 200, 200, 200, 400, 401, 403, 404, 500, 503, 302, 307, 201, 204, 0, 999,
];
const TYPES: [&str; 4] = [
    "application/json",
    "application/json; charset=utf-8",
    "text/html; charset=utf-8",
    "",
];

/// Byte 0 picks the status, byte 1 the content type and whether the first body line is also
/// sent as a `location` header (a redirect target); the rest is the body.
pub fn reply(data: &[u8]) -> Option<Reply> {
    let (&[a, b], body) = data.split_first_chunk::<2>()?;
    let body = String::from_utf8_lossy(body).into_owned();
    let mut headers = vec![("x-request-id".to_string(), "fuzz".to_string())];
    if b & 4 != 0 {
        headers.push((
            "location".to_string(),
            body.lines().next().unwrap_or("").to_string(),
        ));
    }
    Some(Reply {
        status: STATUSES[usize::from(a) % STATUSES.len()],
        content_type: TYPES[usize::from(b) % TYPES.len()].to_string(),
        headers,
        body,
    })
}

/// Text fit for a terminal: no control character, no bidi override or invisible formatting.
pub fn clean(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() || is_unsafe(c))
}

#[track_caller]
pub fn assert_clean(what: &str, s: &str) {
    assert!(clean(s), "{what} is not terminal-safe: {s:?}");
}
