//! The browser's way back after a vault OIDC sign-in (`store login --method oidc`): a listener
//! on `localhost:PORT` that waits for `GET /oidc/callback?state=…&code=…` of *this* login.
//!
//! Everything that reaches it is local but not trusted: any process of any user can connect to
//! a loopback port. So:
//! - only a request carrying the `state` the vault put in this login's sign-in page is taken;
//!   one with another state or none gets a 400 page and the listener goes on waiting for the
//!   right one (a stray request neither signs anyone in nor ends the real login);
//! - one deadline covers the whole wait, and each request is read within its own small budget
//!   (never past the deadline; per-read timeouts are what is left of it) and size cap, so a
//!   client sending a byte now and then cannot hold the login open;
//! - the redirect names `localhost`, as the Vault CLI's does (so roles set up for
//!   `vault login -method=oidc` work unchanged), and `localhost` may be `127.0.0.1` or `::1` for
//!   the browser: the listener holds the port on both, and refuses to start when another
//!   program holds either, so nobody else can receive the code.

use crate::secret::Secret;
use crate::store::StoreError;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// How long the browser has to come back, by default (`SIMCRED_OIDC_WAIT` seconds overrides).
pub const WAIT: Duration = Duration::from_secs(300);

/// How long one request may take to arrive whole (its request line and headers).
const REQUEST_BUDGET: Duration = Duration::from_secs(10);

/// The largest request head read; a longer one is answered 431 and dropped.
const MAX_HEAD: usize = 8 * 1024;

/// The deadline of a wait starting now: [`WAIT`], or `SIMCRED_OIDC_WAIT` seconds.
pub fn deadline() -> (Instant, Duration) {
    let wait = std::env::var("SIMCRED_OIDC_WAIT")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| *s > 0)
        .map(Duration::from_secs)
        .unwrap_or(WAIT);
    (Instant::now() + wait, wait)
}

/// A listener for the browser's return, on one port of both loopback addresses.
#[derive(Debug)]
pub struct Callback {
    listeners: Vec<TcpListener>,
    port: u16,
}

/// What one connection came to.
enum Outcome {
    /// Not this login's return (another path, another state, a broken request): answered and
    /// dropped; keep waiting.
    Ignored,
    /// The browser came back for this login: the code, or why there is none.
    Done(Result<Secret, StoreError>),
}

impl Callback {
    /// Listens on `port` (0: any free one) of `127.0.0.1` and, where this machine has IPv6
    /// loopback, `::1`. Refuses, with a sentence naming the address, when another program
    /// already holds the port on either.
    pub fn listen(port: u16) -> Result<Callback, String> {
        let hint = "choose another port with --callback-port (the vault's role must allow http://localhost:PORT/oidc/callback)";
        let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(|e| {
            format!("cannot listen on 127.0.0.1:{port} for the browser's return ({e}); {hint}")
        })?;
        let port = v4
            .local_addr()
            .map_err(|e| format!("cannot listen for the browser's return ({e})"))?
            .port();
        let mut listeners = vec![v4];
        match TcpListener::bind((Ipv6Addr::LOCALHOST, port)) {
            Ok(v6) => listeners.push(v6),
            // Another program has [::1]:PORT: a browser that takes `localhost` for ::1 would
            // hand it the sign-in code.
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                return Err(format!(
                    "another program already listens on [::1]:{port}, where the browser may go for localhost:{port}, so it could receive the sign-in code; {hint}"
                ))
            }
            // No IPv6 loopback here: no browser goes there, and no program can listen there.
            Err(_) => {}
        }
        for l in &listeners {
            l.set_nonblocking(true)
                .map_err(|e| format!("cannot listen for the browser's return ({e})"))?;
        }
        Ok(Callback { listeners, port })
    }

    /// The port listened on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The redirect URI the vault's role must allow: `http://localhost:PORT/oidc/callback`.
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}/oidc/callback", self.port)
    }

    /// Waits until `deadline` for the browser's return carrying `state`, answering it with a
    /// page saying it may be closed, and returns its code. Requests for other paths get a 404,
    /// with another state or none a 400; both are dropped and the wait goes on. `waited` is
    /// the whole wait, for the message when it runs out.
    pub fn wait(
        &self,
        state: &str,
        deadline: Instant,
        waited: Duration,
    ) -> Result<Secret, StoreError> {
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Err(StoreError::Unauthorized(format!(
                    "the browser did not come back within {}; log in again",
                    in_words(waited)
                )));
            }
            let mut accepted = false;
            for l in &self.listeners {
                match l.accept() {
                    Ok((conn, _)) => {
                        accepted = true;
                        if let Outcome::Done(r) = answer(conn, state, deadline) {
                            return r;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    // A connection that went away before it was accepted, or no descriptor
                    // left for a moment: keep waiting.
                    Err(_) => {}
                }
            }
            if !accepted {
                let left = deadline.saturating_duration_since(Instant::now());
                std::thread::sleep(left.min(Duration::from_millis(50)));
            }
        }
    }
}

/// "5 minutes", "90 s".
fn in_words(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 && s.is_multiple_of(60) {
        format!("{} minute{}", s / 60, if s == 60 { "" } else { "s" })
    } else {
        format!("{s} s")
    }
}

/// The request head of `conn`: read until the blank line, within `until` (each read waits at
/// most what is left) and [`MAX_HEAD`] bytes. `None` when it did not come whole in time;
/// `Some(Err(()))` when it is too long.
fn read_head(conn: &mut TcpStream, until: Instant) -> Option<Result<Vec<u8>, ()>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        if head.windows(4).any(|w| w == b"\r\n\r\n") {
            return Some(Ok(head));
        }
        if head.len() >= MAX_HEAD {
            return Some(Err(()));
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        // At least a millisecond: a zero timeout is refused by the system.
        conn.set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .ok()?;
        let room = (MAX_HEAD - head.len()).min(buf.len());
        match conn.read(&mut buf[..room]) {
            Ok(0) => return None,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// Writes a small HTML page (or nothing) with `status`, then closes.
fn reply(conn: &mut TcpStream, status: &str, page: &str, until: Instant) {
    let left = until.saturating_duration_since(Instant::now());
    let _ = conn.set_write_timeout(Some(
        left.clamp(Duration::from_millis(1), Duration::from_secs(2)),
    ));
    let body = if page.is_empty() {
        String::new()
    } else {
        format!("<!doctype html><title>SimCred</title><p>{page}</p>")
    };
    let _ = conn.write_all(
        format!(
            "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
}

/// Whether two strings are equal, in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Reads one request from `conn` and answers it.
fn answer(mut conn: TcpStream, state: &str, deadline: Instant) -> Outcome {
    if conn.set_nonblocking(false).is_err() {
        return Outcome::Ignored;
    }
    let until = deadline.min(Instant::now() + REQUEST_BUDGET);
    let head = match read_head(&mut conn, until) {
        Some(Ok(h)) => h,
        Some(Err(())) => {
            reply(&mut conn, "431 Request Header Fields Too Large", "", until);
            return Outcome::Ignored;
        }
        None => return Outcome::Ignored,
    };
    let text = String::from_utf8_lossy(&head);
    let line = text.lines().next().unwrap_or("");
    let mut parts = line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let url = url::Url::parse(&format!("http://localhost{target}"))
        .ok()
        .filter(|u| target.starts_with('/') && u.path() == "/oidc/callback");
    let Some(url) = url.filter(|_| method == "GET") else {
        reply(&mut conn, "404 Not Found", "", until);
        return Outcome::Ignored;
    };
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    if !q.get("state").is_some_and(|s| same(s, state)) {
        reply(
            &mut conn,
            "400 Bad Request",
            "This is not the sign-in SimCred is waiting for (its state does not match). Nothing was signed in; finish the sign-in from the page SimCred opened.",
            until,
        );
        return Outcome::Ignored;
    }
    if let Some(err) = q.get("error") {
        reply(
            &mut conn,
            "200 OK",
            "The identity provider refused the sign-in; see the terminal. You can close this window.",
            until,
        );
        return Outcome::Done(Err(StoreError::Unauthorized(format!(
            "the identity provider refused the sign-in: {}",
            crate::text::safe_short(err, 200)
        ))));
    }
    match q.get("code").filter(|c| !c.is_empty()) {
        Some(code) => {
            reply(
                &mut conn,
                "200 OK",
                "Signed in. You can close this window.",
                until,
            );
            Outcome::Done(Ok(Secret::new(code.clone())))
        }
        None => {
            reply(
                &mut conn,
                "400 Bad Request",
                "The browser came back without a sign-in code; log in again from the terminal.",
                until,
            );
            Outcome::Done(Err(StoreError::Unauthorized(
                "the browser came back without a sign-in code; log in again".into(),
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    /// One request to `addr`, and the whole answer.
    fn get(addr: SocketAddr, request: &str) -> String {
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        let _ = c.read_to_string(&mut out);
        out
    }

    fn callback_get(port: u16, query: &str) -> String {
        get(
            SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            &format!("GET /oidc/callback{query} HTTP/1.1\r\nhost: localhost\r\n\r\n"),
        )
    }

    fn waiting(
        cb: Callback,
        state: &str,
        wait: Duration,
    ) -> std::thread::JoinHandle<Result<Secret, StoreError>> {
        let state = state.to_string();
        std::thread::spawn(move || cb.wait(&state, Instant::now() + wait, wait))
    }

    #[test]
    fn a_wrong_or_missing_state_gets_an_error_page_and_the_real_return_still_signs_in() {
        let cb = Callback::listen(0).unwrap();
        let port = cb.port();
        let w = waiting(cb, "st-4711", Duration::from_secs(60));
        for q in [
            "?state=forged&code=evil",
            "?code=evil",
            "?state=st-471&code=x",
            "",
        ] {
            let a = callback_get(port, q);
            assert!(a.starts_with("HTTP/1.1 400"), "{q}: {a}");
            assert!(!a.contains("Signed in"), "{q}: {a}");
        }
        // A forged refusal does not end the login either.
        let a = callback_get(port, "?state=forged&error=access_denied");
        assert!(a.starts_with("HTTP/1.1 400"), "{a}");
        let a = get(
            SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            "GET /favicon.ico HTTP/1.1\r\n\r\n",
        );
        assert!(a.starts_with("HTTP/1.1 404"), "{a}");
        let a = callback_get(port, "?state=st-4711&code=c0de");
        assert!(a.starts_with("HTTP/1.1 200"), "{a}");
        assert!(a.contains("Signed in. You can close this window."), "{a}");
        assert_eq!(w.join().unwrap().unwrap(), Secret::new("c0de"));
    }

    #[test]
    fn the_identity_providers_refusal_with_the_right_state_ends_the_login() {
        let cb = Callback::listen(0).unwrap();
        let port = cb.port();
        let w = waiting(cb, "s", Duration::from_secs(60));
        callback_get(port, "?state=s&error=access_denied%1b%5b2J");
        let e = w.join().unwrap().unwrap_err().to_string();
        assert!(e.contains("refused the sign-in: access_denied"), "{e}");
        assert!(!e.contains('\u{1b}'), "{e}");
    }

    #[test]
    fn a_client_trickling_bytes_cannot_keep_the_login_past_its_deadline() {
        let cb = Callback::listen(0).unwrap();
        let port = cb.port();
        let w = waiting(cb, "s", Duration::from_millis(1500));
        // One byte at a time, each within any per-read timeout, never a whole request.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let trickle = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut c = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    if c.write_all(b"G").is_err() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        // The wait ends by itself (a hang would keep this join, and the test, from returning).
        let e = w.join().unwrap().unwrap_err().to_string();
        assert!(e.contains("did not come back within 1 s"), "{e}");
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        trickle.join().unwrap();
    }

    #[test]
    fn an_endless_request_head_is_cut_off_and_the_wait_goes_on() {
        let cb = Callback::listen(0).unwrap();
        let port = cb.port();
        let w = waiting(cb, "s", Duration::from_secs(60));
        let huge = format!(
            "GET /oidc/callback?state=s&x={} HTTP/1.1\r\n",
            "a".repeat(64 * 1024)
        );
        let mut c = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
        let _ = c.write_all(huge.as_bytes());
        let mut a = String::new();
        let _ = c.read_to_string(&mut a);
        // The answer, unless the unread rest of the request made the close a reset.
        assert!(a.is_empty() || a.starts_with("HTTP/1.1 431"), "{a}");
        callback_get(port, "?state=s&code=k");
        assert_eq!(w.join().unwrap().unwrap(), Secret::new("k"));
    }

    /// Whether this machine has IPv6 loopback (a container may not).
    fn has_ipv6_loopback() -> bool {
        TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_ok()
    }

    #[test]
    fn both_loopback_addresses_are_held_and_a_squatter_on_either_is_refused() {
        if !has_ipv6_loopback() {
            eprintln!("NOTE: no IPv6 loopback on this machine: only 127.0.0.1 can be tested");
            return;
        }
        // The listener holds [::1]:PORT too, and a browser going there reaches it.
        let cb = Callback::listen(0).unwrap();
        let port = cb.port();
        assert!(TcpListener::bind((Ipv6Addr::LOCALHOST, port)).is_err());
        let w = waiting(cb, "s", Duration::from_secs(60));
        let a = get(
            SocketAddr::from((Ipv6Addr::LOCALHOST, port)),
            "GET /oidc/callback?state=s&code=v6 HTTP/1.1\r\n\r\n",
        );
        assert!(a.starts_with("HTTP/1.1 200"), "{a}");
        assert_eq!(w.join().unwrap().unwrap(), Secret::new("v6"));
        // Another program on [::1]:PORT first: no login on that port.
        let squatter = TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).unwrap();
        let port = squatter.local_addr().unwrap().port();
        let e = Callback::listen(port).unwrap_err();
        assert!(e.contains(&format!("[::1]:{port}")), "{e}");
        assert!(e.contains("--callback-port"), "{e}");
    }

    #[test]
    fn the_wait_reads_as_words() {
        assert_eq!(in_words(Duration::from_secs(300)), "5 minutes");
        assert_eq!(in_words(Duration::from_secs(60)), "1 minute");
        assert_eq!(in_words(Duration::from_millis(1500)), "1 s");
    }
}
