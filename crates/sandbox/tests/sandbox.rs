//! End-to-end tests of the sandbox over real loopback HTTP: SimCred's own HTTP client
//! (`simcred_base::http::Http`, which never follows redirects nor proxies loopback) for the
//! protocols, raw sockets where the test needs to forge headers or see exactly what came back,
//! and the `simcred-sandbox` binary itself.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use simcred_base::http::HttpError;
use simcred_sandbox::{Fault, Sandbox, SandboxOptions};
use support::{client, reply, url_of, Binary, Reply};

fn try_get(url: &str, key: Option<&str>, timeout: Duration) -> Result<Reply, HttpError> {
    let headers: Vec<(&str, &str)> = key.map(|k| ("impact-api-key", k)).into_iter().collect();
    client(timeout)
        .send("GET", &url_of(url), &headers, None)
        .map(|r| reply(Ok(r)))
}

fn get(url: &str, key: Option<&str>) -> Reply {
    try_get(url, key, Duration::from_secs(10)).expect("request failed")
}

fn post_json(url: &str, body: &Value) -> Reply {
    reply(client(Duration::from_secs(10)).send_json("POST", &url_of(url), &[], &body.to_string()))
}

fn post_empty(url: &str) -> Reply {
    reply(client(Duration::from_secs(10)).send("POST", &url_of(url), &[], None))
}

/// Sends `request` verbatim on a raw socket and returns all that came back.
fn raw_bytes(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Sends a bodiless request `head` (without the final empty line) on a raw socket.
fn raw(addr: SocketAddr, head: &str) -> String {
    raw_bytes(addr, &format!("{head}\r\n\r\n"))
}

fn start(keys: &[&str]) -> Sandbox {
    Sandbox::start(SandboxOptions {
        modelon_keys: keys.iter().map(|k| (*k).to_owned()).collect(),
        ..SandboxOptions::default()
    })
    .expect("sandbox starts")
}

/// Polls `cond` until it holds, failing after a generous deadline.
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(2));
    }
}

fn assert_error(reply: &Reply, status: u16, message: &str) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert!(reply.content_type.starts_with("application/json"));
    assert_eq!(
        reply.json(),
        json!({"error": {"message": message, "code": status}})
    );
}

#[test]
fn urls_have_the_documented_shape() {
    let sandbox = start(&[]);
    let url = sandbox.url();
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with('/'));
    assert_eq!(sandbox.modelon_url(), format!("{url}/modelon/"));
    assert_eq!(sandbox.modelon_hub_url(), format!("{url}/hub-modelon/"));
    assert_eq!(
        sandbox.addr().port(),
        url.rsplit(':').next().unwrap().parse::<u16>().unwrap()
    );
    let health = get(&format!("{url}/_sandbox/health"), None);
    assert_eq!((health.status, health.json()), (200, json!({"ok": true})));
    assert_error(&get(&format!("{url}/nowhere"), None), 404, "Not found");
    assert_error(
        &get(&format!("{url}/_sandbox/nowhere"), None),
        404,
        "Not found",
    );
}

#[test]
fn direct_server_checks_the_key() {
    let sandbox = start(&["good-key"]);
    let me = format!("{}api/users/me", sandbox.modelon_url());

    let ok = get(&me, Some("good-key"));
    assert_eq!(ok.status, 200);
    assert_eq!(
        ok.json(),
        json!({"data": {"id": "u-1", "username": "demo-user", "firstName": "Demo",
            "lastName": "User", "email": "demo@example.invalid", "license": "impact-pro",
            "roles": ["impact-user"]}})
    );
    assert_error(&get(&me, Some("bad-key")), 401, "Invalid API key");
    assert_error(&get(&me, None), 401, "Invalid API key");

    let version = get(&format!("{}api/", sandbox.modelon_url()), None);
    assert_eq!(
        (version.status, version.json()),
        (200, json!({"version": "4.29.0"}))
    );
    assert_eq!(version.hub_version, None, "a direct server is no hub");
    assert_error(
        &get(&format!("{}api/nope", sandbox.modelon_url()), None),
        404,
        "Not found",
    );

    sandbox.add_modelon_key("second");
    assert_eq!(get(&me, Some("second")).status, 200);
    assert_eq!(get(&me, Some("good-key")).status, 200);
}

#[test]
fn hub_front_gives_the_server_path_then_the_same_api() {
    let sandbox = start(&["hub-key"]);
    let hub = sandbox.modelon_hub_url();

    let discovery = get(&format!("{hub}hub/api/"), None);
    assert_eq!(discovery.status, 200);
    assert_eq!(discovery.hub_version.as_deref(), Some("4.1.5"));
    assert_eq!(discovery.json(), json!({"version": "4.1.5"}));

    let user = get(&format!("{hub}hub/api/user"), Some("hub-key"));
    assert_eq!(user.status, 200);
    let user = user.json();
    assert_eq!(user["name"], "demo-user");
    let server = user["server"].as_str().unwrap();
    assert_eq!(server, "/hub-modelon/user/demo-user/");
    assert_error(
        &get(&format!("{hub}hub/api/user"), Some("nope")),
        403,
        "Forbidden",
    );
    assert_error(&get(&format!("{hub}hub/api/user"), None), 403, "Forbidden");

    // `server` is an absolute path: resolve it against the origin, then add `impact`.
    let base = format!("{}{server}impact/", sandbox.url());
    let me = get(&format!("{base}api/users/me"), Some("hub-key"));
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["data"]["license"], "impact-pro");
    assert_error(
        &get(&format!("{base}api/users/me"), Some("nope")),
        401,
        "Invalid API key",
    );
    assert_eq!(
        get(&format!("{base}api/"), None).json()["version"],
        "4.29.0"
    );
    // The direct and hub faces share one key set.
    assert_eq!(
        get(
            &format!("{}api/users/me", sandbox.modelon_url()),
            Some("hub-key")
        )
        .status,
        200
    );
}

#[test]
fn regenerating_kills_every_old_key() {
    let sandbox = start(&["old-1", "old-2"]);
    let me = format!("{}api/users/me", sandbox.modelon_url());

    let new = sandbox.regenerate_modelon_key();
    assert!(!new.is_empty());
    assert_eq!(get(&me, Some("old-1")).status, 401);
    assert_eq!(get(&me, Some("old-2")).status, 401);
    assert_eq!(get(&me, Some(&new)).status, 200);

    // The same over the control endpoints.
    let url = sandbox.url();
    assert_eq!(
        post_json(
            &format!("{url}/_sandbox/modelon/keys"),
            &json!({"key": "added"})
        )
        .status,
        204
    );
    assert_eq!(get(&me, Some("added")).status, 200);
    assert_error(
        &post_json(
            &format!("{url}/_sandbox/modelon/keys"),
            &json!({"nokey": 1}),
        ),
        400,
        "Expected a JSON body {\"key\": \"...\"}",
    );
    let regenerated = post_empty(&format!("{url}/_sandbox/modelon/regenerate"));
    assert_eq!(regenerated.status, 200);
    let newer = regenerated.json()["key"].as_str().unwrap().to_owned();
    assert_ne!(newer, new);
    assert_eq!(get(&me, Some("added")).status, 401);
    assert_eq!(get(&me, Some(&new)).status, 401);
    assert_eq!(get(&me, Some(&newer)).status, 200);
    assert_eq!(
        sandbox.request_count(),
        7,
        "control requests are not counted"
    );
}

#[test]
fn server_management_page_regenerates_and_shows_the_key_once() {
    let sandbox = start(&["before"]);
    let page = get(
        &format!("{}admin/server-management", sandbox.modelon_url()),
        None,
    );
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    assert!(page.body.contains("<title>Server Management</title>"));
    assert!(page.body.contains("Regenerate and replace key"));
    assert!(page
        .body
        .contains("<form method=\"post\" action=\"/modelon/admin/server-management/regenerate\">"));
    assert!(!page.body.contains("<script") && !page.body.contains("src="));

    let result = post_empty(&format!(
        "{}admin/server-management/regenerate",
        sandbox.modelon_url()
    ));
    assert_eq!(result.status, 200);
    assert!(result
        .body
        .contains("This is the only time you will see the secret."));
    let key = result
        .body
        .split("<code id=\"api-key\">")
        .nth(1)
        .and_then(|rest| rest.split("</code>").next())
        .expect("the key is on the page");
    let me = format!("{}api/users/me", sandbox.modelon_url());
    assert_eq!(get(&me, Some(key)).status, 200);
    assert_eq!(get(&me, Some("before")).status, 401);
    // Browsers post with an Origin header; a loopback one is welcome.
    let posted = raw(
        sandbox.addr(),
        &format!(
            "POST /modelon/admin/server-management/regenerate HTTP/1.1\r\nHost: {}\r\n\
             Origin: {}\r\nContent-Length: 0",
            sandbox.addr(),
            sandbox.url()
        ),
    );
    assert!(posted.starts_with("HTTP/1.1 200 "), "{posted}");
    assert_eq!(get(&me, Some(key)).status, 401);
}

#[test]
fn faults_hit_vendor_endpoints_only() {
    let sandbox = start(&["k"]);
    let me = format!("{}api/users/me", sandbox.modelon_url());
    let health = format!("{}/_sandbox/health", sandbox.url());

    sandbox.set_fault(Fault::Html);
    let html = get(&me, Some("k"));
    assert_eq!(html.status, 200);
    assert!(html.content_type.starts_with("text/html"));
    assert!(html.body.contains("<html"));
    assert_eq!(get(&health, None).json(), json!({"ok": true}));

    sandbox.set_fault(Fault::ServerError);
    assert_error(&get(&me, Some("k")), 500, "internal error");
    assert_eq!(get(&health, None).status, 200);

    sandbox.set_fault(Fault::Garbage);
    let garbage = get(&me, Some("k"));
    assert_eq!(garbage.status, 200);
    assert!(garbage.content_type.starts_with("application/json"));
    assert!(serde_json::from_str::<Value>(&garbage.body).is_err());

    sandbox.set_fault(Fault::Reset);
    match try_get(&me, Some("k"), Duration::from_secs(10)) {
        Err(e @ HttpError::Timeout { .. }) => panic!("a reset must not look like a timeout ({e})"),
        Err(_) => {}
        Ok(reply) => panic!("a reset must not answer: {reply:?}"),
    }
    let nothing = raw(
        sandbox.addr(),
        &format!("GET /modelon/api/ HTTP/1.1\r\nHost: {}", sandbox.addr()),
    );
    assert_eq!(nothing, "", "not a byte before the close");
    assert_eq!(get(&health, None).status, 200);
    assert_eq!(sandbox.fault(), Fault::Reset);

    sandbox.set_fault(Fault::None);
    assert_eq!(get(&me, Some("k")).status, 200);
}

#[test]
fn faults_can_be_set_over_http() {
    let sandbox = start(&["k"]);
    let fault_url = format!("{}/_sandbox/fault", sandbox.url());
    let me = format!("{}api/users/me", sandbox.modelon_url());
    for (name, fault) in [
        ("html", Fault::Html),
        ("500", Fault::ServerError),
        ("hang", Fault::Hang),
        ("reset", Fault::Reset),
        ("garbage", Fault::Garbage),
        ("none", Fault::None),
    ] {
        assert_eq!(post_json(&fault_url, &json!({"fault": name})).status, 204);
        assert_eq!(sandbox.fault(), fault);
    }
    assert_eq!(post_json(&fault_url, &json!({"fault": "500"})).status, 204);
    assert_error(&get(&me, Some("k")), 500, "internal error");
    let bad = post_json(&fault_url, &json!({"fault": "slow"}));
    assert_eq!(bad.status, 400);
    assert_eq!(
        sandbox.fault(),
        Fault::ServerError,
        "a bad name changes nothing"
    );
    assert_eq!(get(&fault_url, None).status, 405);
}

#[test]
fn hang_times_out_without_blocking_others_and_heals() {
    let sandbox = start(&["k"]);
    let me = format!("{}api/users/me", sandbox.modelon_url());
    sandbox.set_fault(Fault::Hang);

    let started = Instant::now();
    match try_get(&me, Some("k"), Duration::from_secs(1)) {
        Err(HttpError::Timeout { .. }) => {}
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(900));

    // A request hanging in the background does not hold up the control endpoints...
    let before = sandbox.request_count();
    let pending = {
        let me = me.clone();
        thread::spawn(move || try_get(&me, Some("k"), Duration::from_secs(20)))
    };
    wait_until("the hung request to arrive", || {
        sandbox.request_count() > before
    });
    let quick = Instant::now();
    assert_eq!(
        get(&format!("{}/_sandbox/health", sandbox.url()), None).status,
        200
    );
    assert!(quick.elapsed() < Duration::from_secs(2));

    // ...and clearing the fault answers it.
    sandbox.set_fault(Fault::None);
    let answered = pending
        .join()
        .unwrap()
        .expect("answered once the fault clears");
    assert_eq!(answered.status, 200);
    assert_eq!(get(&me, Some("k")).status, 200);
}

#[test]
fn hung_request_takes_the_next_fault_when_switched() {
    let sandbox = start(&["k"]);
    sandbox.set_fault(Fault::Hang);
    let pending = {
        let me = format!("{}api/users/me", sandbox.modelon_url());
        thread::spawn(move || try_get(&me, Some("k"), Duration::from_secs(20)))
    };
    wait_until("the hung request to arrive", || {
        sandbox.request_count() == 1
    });
    sandbox.set_fault(Fault::ServerError);
    assert_error(&pending.join().unwrap().unwrap(), 500, "internal error");
}

#[test]
fn drop_returns_promptly_while_requests_hang() {
    let sandbox = start(&["k"]);
    let addr = sandbox.addr();
    sandbox.set_fault(Fault::Hang);
    let hung =
        thread::spawn(move || raw(addr, &format!("GET /modelon/api/ HTTP/1.1\r\nHost: {addr}")));
    // A connection that never sends its request must not hold up the drop either.
    let idle = TcpStream::connect(addr).unwrap();
    wait_until("the hung request to arrive", || {
        sandbox.request_count() == 1
    });

    let started = Instant::now();
    drop(sandbox);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "drop took {:?}",
        started.elapsed()
    );
    assert_eq!(
        hung.join().unwrap(),
        "",
        "the hung request is closed unanswered"
    );
    drop(idle);
    assert!(TcpStream::connect(addr).is_err(), "the port is closed");
}

#[test]
fn host_and_origin_guard_refuses_rebinding() {
    let sandbox = start(&["k"]);
    let addr = sandbox.addr();
    let port = addr.port();
    let status = |head: &str| {
        let reply = raw(addr, head);
        reply.split(' ').nth(1).unwrap_or("none").to_owned()
    };
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        "127.0.0.2".to_owned(),
    ] {
        assert_eq!(
            status(&format!("GET /modelon/api/ HTTP/1.1\r\nHost: {host}")),
            "200",
            "{host}"
        );
    }
    for host in [
        "evil.example",
        "evil.example:80",
        "127.0.0.1.evil.example",
        "10.0.0.1",
    ] {
        let reply = raw(addr, &format!("GET /modelon/api/ HTTP/1.1\r\nHost: {host}"));
        assert!(reply.starts_with("HTTP/1.1 403 "), "{host}: {reply}");
        assert!(reply.contains("{\"error\":"), "{reply}");
    }
    assert_eq!(
        status("GET /modelon/api/ HTTP/1.0"),
        "403",
        "no Host at all"
    );
    assert_eq!(
        status(&format!(
            "GET /modelon/api/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://evil.example"
        )),
        "403"
    );
    // The control endpoints are guarded too: a rebinding page cannot set a fault.
    let refused = raw_bytes(
        addr,
        &format!(
            "POST /_sandbox/fault HTTP/1.1\r\nHost: evil.example:{port}\r\n\
             Content-Type: application/json\r\nContent-Length: 16\r\n\r\n{{\"fault\":\"hang\"}}"
        ),
    );
    assert!(refused.starts_with("HTTP/1.1 403 "), "{refused}");
    assert_eq!(sandbox.fault(), Fault::None);
    assert_eq!(
        sandbox.request_count(),
        4,
        "refused requests are not served"
    );
}

#[test]
fn malformed_requests_get_a_400() {
    let sandbox = start(&[]);
    let reply = raw(sandbox.addr(), "NOT A REQUEST LINE AT ALL");
    assert!(reply.starts_with("HTTP/1.1 400 "), "{reply}");
    let reply = raw(
        sandbox.addr(),
        &format!("HEAD /modelon/api/ HTTP/1.1\r\nHost: {}", sandbox.addr()),
    );
    assert!(
        reply.starts_with("HTTP/1.1 200 ") && reply.ends_with("\r\n\r\n"),
        "{reply}"
    );
}

#[test]
fn binary_prints_the_url_and_never_the_key() {
    let bin = Binary::start(["--port", "0", "--modelon-key", "bin-secret-key"]);
    let url = bin.url.clone();
    assert!(
        url.strip_prefix("http://127.0.0.1:")
            .is_some_and(|port| port.parse::<u16>().is_ok()),
        "unexpected first line {:?}",
        bin.line
    );

    let me = get(
        &format!("{url}/modelon/api/users/me"),
        Some("bin-secret-key"),
    );
    assert_eq!(me.status, 200);

    let line = bin.line.clone();
    let stderr = bin.stop();
    assert!(stderr.contains(&format!("{url}/modelon/")), "{stderr}");
    assert!(stderr.contains(&format!("{url}/hub-modelon/")), "{stderr}");
    assert!(!line.contains("bin-secret-key") && !stderr.contains("bin-secret-key"));
}

#[test]
fn binary_rejects_bad_arguments() {
    let output = Command::new(env!("CARGO_BIN_EXE_simcred-sandbox"))
        .args(["--modelon-kee", "typo-secret"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(!String::from_utf8_lossy(&output.stderr).contains("typo-secret"));
}
