//! Issue 8, hostile servers: the built CLI against a scripted loopback server that answers what
//! a compromised or malicious vendor server could. The key goes only to the configured origin,
//! the browser opener only gets http(s) URLs, no control character a server sends reaches the
//! terminal or profiles.toml, a secret the server echoes is redacted, and no number a server
//! (or a team vault) sends makes SimCred panic, hang or store a half sign-in.

use serde_json::{json, Value};
use simcred_tests::hostile::{
    assert_no_panic, assert_terminal_safe, assert_toml_safe, run_within, Reply, Server,
};
use simcred_tests::jwt::b64url;
use simcred_tests::{commands_on_path, files_under, poll, secret, state_in, Env, Out};
use std::path::Path;
use std::time::Duration;

const JUPYTERHUB: &str = "x-jupyterhub-version";

fn realm(endpoint: &str) -> String {
    format!("/auth/realms/simai/protocol/openid-connect/{endpoint}")
}

/// A SimAI profile whose API (and so realm) is the scripted server.
fn simai_profile(env: &Env, s: &Server, base: &str) -> String {
    let url = format!("{}/v2/", s.url());
    env.add_profile(base, "simai", &["--organization", "o", "--url", &url])
}

/// A Modelon Impact profile on the scripted server, holding `key`.
fn modelon_profile(env: &Env, s: &Server, base: &str, key: &str) -> String {
    env.modelon_profile(base, &format!("{}/", s.url()), key)
}

/// A JupyterHub front on `s`: `/hub/api/` answers with its version header.
fn hub_front(s: &Server) {
    s.route(
        "GET",
        "/hub/api/",
        Reply::json(200, r#"{"version":"4.1.5"}"#).header(JUPYTERHUB, "4.1.5"),
    );
}

fn json_of(out: &Out) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {out:#?}"))
}

fn status_json(env: &Env) -> Value {
    let out = env.run(&["status", "--json"]);
    assert_no_panic("status --json", &out);
    json_of(&out)
}

/// The `status --json` entry of profile `p`.
fn profile_state(env: &Env, p: &str) -> String {
    state_in(&status_json(env), p)
}

fn profiles_toml(env: &Env) -> String {
    std::fs::read_to_string(env.config_dir().join("profiles.toml")).unwrap_or_default()
}

/// Signs `p` in with the password grant; the token endpoint must answer it.
fn password_login(env: &Env, p: &str) -> Out {
    env.run_in(
        &["login", p, "--password", "--username", "u", "--no-totp"],
        "pw\n",
    )
}

fn tokens_reply() -> Reply {
    Reply::json(
        200,
        r#"{"access_token":"a.b.c","refresh_token":"r1","expires_in":300,"token_type":"Bearer"}"#,
    )
}

// ---------------------------------------------------------------------------------------------
// 1. The key goes only to the configured origin.
// ---------------------------------------------------------------------------------------------

/// Runs `key check` and asserts the key was not reported valid, nothing panicked, and `other`
/// saw no connection at all.
fn check_not_valid_and_nothing_elsewhere(env: &Env, p: &str, other: &Server, case: &str) {
    let out = env.run(&["key", "check", p, "--json"]);
    assert_no_panic(case, &out);
    if let Ok(v) = serde_json::from_str::<Value>(&out.stdout) {
        assert_ne!(v["key"]["status"], "valid", "{case}: {out:#?}");
    }
    let out = env.run(&["key", "check", p]);
    assert_no_panic(case, &out);
    assert!(!out.stdout.contains(": valid"), "{case}: {out:#?}");
    assert_eq!(
        other.connections(),
        0,
        "{case}: the other server was contacted: {:#?}",
        other.requests()
    );
}

#[test]
fn the_key_goes_only_to_the_configured_origin() {
    let key = secret("mk-origin-");
    // The other origin would gladly accept the key and say it is valid.
    let other = Server::start();
    other.route(
        "*",
        "/",
        Reply::json(200, r#"{"data":{"username":"thief","license":"stolen"}}"#)
            .header(JUPYTERHUB, "4.1.5"),
    );
    let o = other.authority();
    let hub = Server::start();
    let h = hub.authority();
    hub_front(&hub);
    let env = Env::new();
    let p = modelon_profile(&env, &hub, "origin", &key);
    let tricks = [
        format!("http://{o}/user/u/"),
        format!("//{o}/user/u/"),
        format!("https://{o}/user/u/"),
        "http://evil.example.invalid/user/u/".to_string(),
        format!("http://{h}@{o}/user/u/"),
        format!("http://{o}@{h}/user/u/"),
        format!("\\\\{o}\\user\\u\\"),
        format!("/\\{o}/user/u/"),
        format!("\t//{o}/user/u/"),
        format!(" http://{o}/user/u/"),
        format!("HTTP://{o}/user/u/"),
        format!("http:{o}/user/u/"),
        format!("ws://{o}/user/u/"),
        format!("/user/u/?next=http://{o}/"),
    ];
    for trick in &tricks {
        hub.route(
            "GET",
            "/hub/api/user",
            Reply::json_value(200, &json!({ "name": "u", "server": trick })),
        );
        check_not_valid_and_nothing_elsewhere(&env, &p, &other, &format!("server = {trick:?}"));
    }

    // Redirects are not followed, from the hub nor from the API.
    for status in [301, 302, 307, 308] {
        hub.route(
            "GET",
            "/hub/api/user",
            Reply::json(status, "{}").header("Location", &format!("http://{o}/hub/api/user")),
        );
        check_not_valid_and_nothing_elsewhere(&env, &p, &other, &format!("hub {status}"));
    }
    let direct = Server::start();
    direct.route(
        "GET",
        "/api/users/me",
        Reply::json(302, "{}").header("Location", &format!("http://{o}/api/users/me")),
    );
    let d = modelon_profile(&env, &direct, "redirect", &key);
    check_not_valid_and_nothing_elsewhere(&env, &d, &other, "API 302");

    // Whatever the hub said, the key went to the configured origin only.
    assert!(other.requests().iter().all(|r| !r.contains(&key)));
    for r in hub.requests().iter().chain(direct.requests().iter()) {
        assert!(
            !r.header("host").is_some_and(|h| h.contains(&o)),
            "a request for the other origin: {r:#?}"
        );
    }
    assert!(
        hub.requests()
            .iter()
            .any(|r| r.path == "/hub/api/user" && r.header("impact-api-key") == Some(&key)),
        "the test reached the hub's user endpoint with the key"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. The browser opener only gets http(s).
// ---------------------------------------------------------------------------------------------

/// A directory of fake openers (each logs its arguments, one `ARG:` line each, and exits 0),
/// and the PATH that puts them first.
fn fake_openers(dir: &Path, log: &Path) -> String {
    let script = format!(
        "#!/bin/sh\n{{ printf 'RUN:%s\\n' \"${{0##*/}}\"; for a in \"$@\"; do printf 'ARG:%s\\n' \"$a\"; done; }} >> '{}'\nexit 0\n",
        log.display()
    );
    commands_on_path(
        dir,
        &[
            "xdg-open",
            "gio",
            "gnome-open",
            "kde-open",
            "kde-open5",
            "kde-open6",
            "wslview",
            "x-www-browser",
            "sensible-browser",
            "www-browser",
            "firefox",
            "chromium",
            "google-chrome",
        ],
        &script,
    )
}

/// The arguments the fake openers were given, in order (launcher sub-commands left out).
fn opener_args(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix("ARG:"))
        .filter(|a| *a != "open" && *a != "--")
        .map(String::from)
        .collect()
}

#[test]
fn the_browser_opener_only_gets_http_urls() {
    let s = Server::start();
    let base = s.url();
    s.route(
        "POST",
        &realm("token"),
        Reply::json(400, r#"{"error":"access_denied"}"#),
    );
    let env = Env::new();
    let p = simai_profile(&env, &s, "opener");
    let log = env.home().join("opener.log");
    let path = fake_openers(&env.home().join("bin"), &log);
    let vars = [("DISPLAY", ":99"), ("PATH", path.as_str())];
    let device = |complete: &str| {
        Reply::json_value(
            200,
            &json!({
                "device_code": "dc-1",
                "user_code": "ABCD-EFGH",
                "verification_uri": format!("{base}/device"),
                "verification_uri_complete": complete,
                "expires_in": 30,
                "interval": 1,
            }),
        )
    };
    let hostile = [
        "file:///etc/passwd".to_string(),
        "javascript:alert(1)".to_string(),
        "/etc/passwd".to_string(),
        "data:text/html,x".to_string(),
        format!("{base}/device?user_code=\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J"),
    ];
    for evil in &hostile {
        s.route("POST", &realm("auth/device"), device(evil));
        let out = run_within(&env, &["login", &p], None, &vars, Duration::from_secs(30));
        assert_no_panic(evil, &out);
        out.fails();
        assert!(
            out.stderr.contains("Not opening"),
            "{evil:?}: say why the browser was not opened: {out:#?}"
        );
        assert!(!out.stderr.contains('\u{1b}'), "{evil:?}: {out:#?}");
    }

    // Positive control, last: a plain http URL on the server is opened, as it is. Once its
    // opener has run, every earlier one has too.
    let good = format!("{base}/device?user_code=ABCD");
    s.route("POST", &realm("auth/device"), device(&good));
    let out = run_within(&env, &["login", &p], None, &vars, Duration::from_secs(30));
    assert_no_panic("control", &out);
    assert!(!out.stderr.contains("Not opening"), "{out:#?}");
    poll("the opener to be called", Duration::from_secs(10), || {
        opener_args(&log).contains(&good).then_some(())
    });

    let args = opener_args(&log);
    for a in &args {
        assert!(
            (a.starts_with("http://") || a.starts_with("https://"))
                && !a.chars().any(|c| c.is_control()),
            "the opener was given {a:?}; all it got: {args:#?}"
        );
    }
    let text = std::fs::read_to_string(&log).unwrap();
    for bad in ["file:", "javascript:", "data:", "ZXZpbA", "/etc/passwd"] {
        assert!(!text.contains(bad), "the opener saw {bad}:\n{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// 3. No control character from a server reaches the terminal or profiles.toml.
// ---------------------------------------------------------------------------------------------

/// Text with a screen clear, an OSC 52 clipboard write, a title change, BEL, backspace, a C1
/// CSI and a right-to-left override, around printable markers.
fn nasty(tag: &str) -> String {
    format!(
        "{tag}\u{1b}[2J-clear\u{1b}]52;c;ZXZpbA==\u{7}-osc52\u{1b}]0;title\u{7}-bel\u{7}-bs\u{8}-csi\u{9b}31m-rlo\u{202e}-end"
    )
}

#[test]
fn no_control_character_from_a_server_reaches_the_terminal() {
    let env = Env::new();
    let key = secret("mk-ctl-");

    // SimAI: device login, token errors, consents, API errors, a refused refresh.
    let sim = Server::start();
    let p = simai_profile(&env, &sim, "ctl-sim");
    sim.route(
        "POST",
        &realm("auth/device"),
        Reply::json_value(
            200,
            &json!({
                "device_code": "dc-1",
                "user_code": nasty("Qcode"),
                "verification_uri": format!("{}/device{}", sim.url(), nasty("")),
                "expires_in": 30,
                "interval": 1,
            }),
        ),
    );
    sim.route(
        "POST",
        &realm("token"),
        Reply::json_value(
            400,
            &json!({"error": nasty("Qerr"), "error_description": nasty("Qdesc")}),
        ),
    );
    let out = run_within(
        &env,
        &["login", &p, "--no-browser"],
        None,
        &[],
        Duration::from_secs(30),
    );
    assert_no_panic("device login", &out);
    out.fails();
    // A password login refused with an unusual error.
    sim.route(
        "POST",
        &realm("token"),
        Reply::json_value(
            400,
            &json!({"error": "invalid_request", "error_description": nasty("Qpwdesc")}),
        ),
    );
    let out = password_login(&env, &p);
    assert_no_panic("password login", &out);
    out.fails();
    // A redirect whose Location is not plain ASCII.
    sim.route(
        "POST",
        &realm("token"),
        Reply::new(302).header(
            "Location",
            "https://evil.example.invalid/\u{9b}31m\u{202e}Qloc",
        ),
    );
    let out = password_login(&env, &p);
    assert_no_panic("redirected login", &out);
    out.fails();
    // Signed in with a scope and a refresh token whose `azp` claim are full of escapes (both
    // end up in the token's stored detail), then the consents list is too.
    let refresh = format!(
        "h.{}.s",
        b64url(json!({ "azp": nasty("Qazp") }).to_string().as_bytes())
    );
    sim.route(
        "POST",
        &realm("token"),
        Reply::json_value(
            200,
            &json!({"access_token": "a.b.c", "refresh_token": refresh, "expires_in": 300, "scope": nasty("Qgranted")}),
        ),
    );
    password_login(&env, &p).ok();
    let stored = profiles_toml(&env);
    assert!(
        stored.contains("Qazp") && stored.contains("Qgranted"),
        "the token's client and scope are kept, made safe:\n{stored}"
    );
    assert_toml_safe("profiles.toml after the sign-in", &stored);
    sim.route(
        "GET",
        "/v2/users/offline-tokens",
        Reply::json_value(
            200,
            &json!([{
                "client_id": nasty("Qclient"),
                "created_date": nasty("Qcreated"),
                "last_updated_date": nasty("Qupdated"),
                "granted_scopes": [nasty("Qscope"), "openid"],
            }]),
        ),
    );
    env.run(&["consents", "list", &p]);
    env.run(&["consents", "list", &p, "--json"]);
    sim.route(
        "DELETE",
        "/v2/users/offline-tokens",
        Reply::json_value(500, &json!({"message": nasty("Qapierr")})),
    );
    env.run(&["consents", "revoke", &p, "some.client", "--yes"])
        .fails();
    // A refresh refused as invalid_grant marks the token revoked with the server's words.
    sim.route(
        "POST",
        &realm("token"),
        Reply::json_value(
            400,
            &json!({"error": "invalid_grant", "error_description": nasty("Qgrant")}),
        ),
    );
    env.run(&["token", &p, "--refresh"]).fails();

    // A generic OIDC issuer whose discovery document names itself with escapes.
    let idp = Server::start();
    idp.route(
        "GET",
        "/realms/x/.well-known/openid-configuration",
        Reply::json_value(
            200,
            &json!({"issuer": nasty("Qissuer"), "token_endpoint": format!("{}/realms/x/token", idp.url())}),
        ),
    );
    let o = env.add_profile(
        "ctl-oidc",
        "oidc",
        &[
            "--issuer",
            &format!("{}/realms/x", idp.url()),
            "--client-id",
            "c",
        ],
    );
    let out = env.run(&["login", &o, "--no-browser"]);
    assert_no_panic("oidc login", &out);
    out.fails();

    // Modelon: a user name and license, API errors, hub errors, a plain-text error.
    let servers: Vec<(Server, String)> = [
        (
            "ctl-ok",
            "/api/users/me",
            Reply::json_value(
                200,
                &json!({"data": {"username": nasty("Quser"), "license": nasty("Qlic")}}),
            ),
        ),
        (
            "ctl-500",
            "/api/users/me",
            Reply::json_value(500, &json!({"error": {"message": nasty("Qm500")}})),
        ),
        (
            "ctl-401",
            "/api/users/me",
            Reply::json_value(401, &json!({"error": {"message": nasty("Qm401")}})),
        ),
        (
            "ctl-text",
            "/api/users/me",
            Reply::new(502)
                .header("Content-Type", "text/plain")
                .body(nasty("Qplain")),
        ),
        (
            "ctl-hub500",
            "/hub/api/user",
            Reply::json_value(500, &json!({"message": nasty("Qhub500")})),
        ),
        (
            "ctl-hub403",
            "/hub/api/user",
            Reply::json_value(403, &json!({"error": {"message": nasty("Qhub403")}})),
        ),
    ]
    .into_iter()
    .map(|(base, path, reply)| {
        let s = Server::start();
        if path.starts_with("/hub/") {
            hub_front(&s);
        }
        s.route("GET", path, reply);
        let m = modelon_profile(&env, &s, base, &key);
        (s, m)
    })
    .collect();
    let modelon: Vec<&String> = servers.iter().map(|(_, m)| m).collect();
    let m_ok = modelon[0];
    for m in modelon.iter().copied() {
        assert_no_panic(m, &env.run(&["key", "check", m]));
        assert_no_panic(m, &env.run(&["key", "check", m, "--json"]));
        assert_no_panic(m, &env.run(&["key", "list", m]));
        assert_no_panic(m, &env.run(&["key", "list", m, "--json"]));
    }
    for p in modelon.iter().copied().chain([&p, &o]) {
        assert_no_panic(p, &env.run(&["profile", "show", p]));
        assert_no_panic(p, &env.run(&["profile", "show", p, "--json"]));
    }
    env.run(&["status"]);
    env.run(&["status", "--json"]);
    env.run(&["profile", "list"]);
    env.run(&["profile", "list", "--json"]);

    // The test did reach every server: the good key is valid, its user name shown (made safe).
    assert_eq!(profile_state(&env, m_ok), "valid");
    let printed = env.all_output();
    for marker in [
        "Quser", "Qlic", "Qm500", "Qm401", "Qplain", "Qhub500", "Qhub403", "Qclient", "Qissuer",
    ] {
        assert!(
            printed.contains(marker),
            "the server's text ({marker}) should be shown, made safe:\n{printed}"
        );
    }
    assert_terminal_safe("what simcred printed", &printed);
    assert_toml_safe("profiles.toml", &profiles_toml(&env));
}

// ---------------------------------------------------------------------------------------------
// 4. A secret the server echoes is redacted.
// ---------------------------------------------------------------------------------------------

/// Panics when `secret` appears in anything `env` printed or in any file under its HOME.
fn assert_nowhere(env: &Env, what: &str, secret: &str) {
    let printed = env.all_output();
    assert!(
        !printed.contains(secret),
        "the {what} was printed:\n{printed}"
    );
    for f in files_under(env.home()) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        assert!(
            !text.contains(secret),
            "the {what} is in {}:\n{text}",
            f.display()
        );
    }
}

#[test]
fn a_secret_echoed_by_the_server_is_redacted() {
    let env = Env::new();
    let key = secret("mk-echo-");
    let s = Server::start();
    let p = modelon_profile(&env, &s, "echo", &key);
    let echo = |status: u16, top_level: bool| {
        move |r: &simcred_tests::hostile::Request| {
            let k = r.header("impact-api-key").unwrap_or("(none)");
            let msg = format!("the key {k} is not valid");
            if top_level {
                Reply::json_value(status, &json!({ "message": msg }))
            } else {
                Reply::json_value(status, &json!({"error": {"message": msg}}))
            }
        }
    };
    for (status, top) in [(500, false), (403, false), (401, true), (401, false)] {
        s.route_fn("GET", "/api/users/me", echo(status, top));
        let out = env.run(&["key", "check", &p]);
        assert_no_panic("check", &out);
        env.run(&["key", "check", &p, "--json"]);
        env.run(&["key", "list", &p]);
        env.run(&["key", "list", &p, "--json"]);
        env.run(&["profile", "show", &p, "--json"]);
        let st = env.run(&["status"]);
        env.run(&["status", "--json"]);
        if status != 500 {
            assert_eq!(out.code, 1, "{out:#?}");
            assert_eq!(st.code, 1, "status still says the key is invalid: {st:#?}");
            assert_eq!(profile_state(&env, &p), "invalid");
        }
    }
    // A plain-text echo, and a hub that echoes it.
    s.route_fn("GET", "/api/users/me", |r| {
        Reply::new(401)
            .header("Content-Type", "text/plain")
            .body(format!(
                "{} rejected",
                r.header("impact-api-key").unwrap_or("")
            ))
    });
    env.run(&["key", "check", &p]);
    let hub = Server::start();
    hub_front(&hub);
    hub.route_fn("GET", "/hub/api/user", echo(403, false));
    let h = modelon_profile(&env, &hub, "echo-hub", &key);
    let out = env.run(&["key", "check", &h]);
    assert_eq!(out.code, 1, "{out:#?}");
    env.run(&["status"]);
    assert!(
        s.requests()
            .iter()
            .any(|r| r.header("impact-api-key") == Some(&key)),
        "the server was asked with the key"
    );
    assert_nowhere(&env, "API key", &key);

    // Sign-in: a token endpoint that echoes the submitted password, then the refresh token.
    let password = secret("pw-echo-");
    let refresh = secret("rt-echo-");
    let sim = Server::start();
    let sp = simai_profile(&env, &sim, "echo-sim");
    sim.route_fn("POST", &realm("token"), |r| {
        let said = r.form("password").or(r.form("refresh_token")).unwrap_or_default();
        Reply::json_value(
            400,
            &json!({"error": "invalid_request", "error_description": format!("{said} is not accepted here")}),
        )
    });
    let login = ["login", &sp, "--password", "--username", "u", "--no-totp"];
    let out = env.run_in(&login, &format!("{password}\n"));
    assert_no_panic("login", &out);
    out.fails();
    let refresh_reply = refresh.clone();
    sim.route_fn("POST", &realm("token"), move |r| {
        if r.form("grant_type").as_deref() == Some("password") {
            Reply::json_value(
                200,
                &json!({"access_token": "a.b.c", "refresh_token": refresh_reply, "expires_in": 300}),
            )
        } else {
            Reply::json(400, r#"{"error":"nope"}"#)
        }
    });
    env.run_in(&login, &format!("{password}\n")).ok();
    // The refresh is refused: first with an unusual error that echoes it, then invalid_grant.
    sim.route_fn("POST", &realm("token"), |r| {
        let t = r.form("refresh_token").unwrap_or_default();
        Reply::json_value(
            400,
            &json!({"error": format!("bad_{t}"), "error_description": format!("token {t} is odd")}),
        )
    });
    env.run(&["token", &sp, "--refresh"]).fails();
    sim.route_fn("POST", &realm("token"), |r| {
        let t = r.form("refresh_token").unwrap_or_default();
        Reply::json_value(
            400,
            &json!({"error": "invalid_grant", "error_description": format!("Refresh token {t} is not active")}),
        )
    });
    env.run(&["token", &sp, "--refresh"]).fails();
    env.run(&["status"]);
    env.run(&["status", "--json"]);
    env.run(&["profile", "show", &sp, "--json"]);
    assert!(
        profile_state(&env, &sp).contains("revoked"),
        "the refused refresh token is marked revoked"
    );
    assert!(sim
        .requests()
        .iter()
        .any(|r| r.form("refresh_token").as_deref() == Some(refresh.as_str())));
    assert_nowhere(&env, "password", &password);
    assert_nowhere(&env, "refresh token", &refresh);
}

// ---------------------------------------------------------------------------------------------
// 6. Numbers from servers never panic, hang, or leave a sign-in half stored.
// ---------------------------------------------------------------------------------------------

const BIG: &str = "18446744073709551615";

#[test]
fn device_flow_numbers_never_panic_or_hang() {
    let s = Server::start();
    let env = Env::new();
    let p = simai_profile(&env, &s, "num-device");
    s.route(
        "POST",
        &realm("token"),
        Reply::json(400, r#"{"error":"access_denied"}"#),
    );
    // (interval, expires_in) as raw JSON; every case must end well within the deadline.
    let cases = [
        (BIG, "2"),
        ("1", BIG),
        ("-1", "2"),
        ("1e308", "2"),
        ("\"5\"", "2"),
        ("0", "2"),
        ("1", "-1"),
        ("1", "0"),
        ("1", "1e308"),
        ("1", "\"5\""),
        ("\"5\"", "\"5\""),
        ("1.5", "2.5"),
        ("null", "null"),
        ("99999999999999999999999", "2"),
    ];
    for (interval, expires) in cases {
        let body = format!(
            r#"{{"device_code":"dc-1","user_code":"ABCD-EFGH","verification_uri":"{}/device","interval":{interval},"expires_in":{expires}}}"#,
            s.url()
        );
        s.route("POST", &realm("auth/device"), Reply::json(200, &body));
        let case = format!("interval {interval}, expires_in {expires}");
        let out = run_within(
            &env,
            &["login", &p, "--no-browser"],
            None,
            &[],
            Duration::from_secs(20),
        );
        assert_no_panic(&case, &out);
        out.fails();
        if interval == BIG && expires == "2" {
            assert!(out.stderr.contains("expired"), "{case}: {out:#?}");
        }
        assert_eq!(profile_state(&env, &p), "signed out", "{case}");
    }
}

#[test]
fn token_expiry_numbers_never_panic_and_store_all_or_nothing() {
    let s = Server::start();
    for expires in [
        "1e17",
        "100000000000000000",
        "9000000000000000",
        "9223372036854775807",
        BIG,
        "-5",
        "\"300\"",
        "null",
        "300",
    ] {
        let env = Env::new();
        let p = simai_profile(&env, &s, "num-token");
        let body = format!(
            r#"{{"access_token":"a.b.c","refresh_token":"r1","expires_in":{expires},"token_type":"Bearer"}}"#
        );
        s.route("POST", &realm("token"), Reply::json(200, &body));
        let case = format!("expires_in {expires}");
        let out = run_within(
            &env,
            &["login", &p, "--password", "--username", "u", "--no-totp"],
            Some("pw\n"),
            &[],
            Duration::from_secs(20),
        );
        assert_no_panic(&case, &out);
        let state = profile_state(&env, &p);
        if out.code == 0 {
            assert!(state.starts_with("signed in"), "{case}: {state}");
            let t = run_within(&env, &["token", &p], None, &[], Duration::from_secs(20));
            assert_no_panic(&case, &t);
            assert_eq!(t.stdout.trim(), "a.b.c", "{case}: {t:#?}");
            assert_no_panic(&case, &env.run(&["status"]));
        } else {
            assert_eq!(state, "signed out", "{case}: nothing stored half-way");
        }
        if expires == "300" {
            out.ok();
        }
    }
}

#[test]
fn wrong_types_in_consents_and_modelon_replies_never_panic() {
    let s = Server::start();
    let env = Env::new();
    let p = simai_profile(&env, &s, "types");
    s.route("POST", &realm("token"), tokens_reply());
    password_login(&env, &p).ok();
    for body in [
        r#"[{"client_id":5}]"#,
        r#"[{"client_id":"c","created_date":12345,"granted_scopes":"x"}]"#,
        r#"{"not":"a list"}"#,
        r#"[{"client_id":"c","created_date":"99999-99-99T99:99:99Z","last_updated_date":-1}]"#,
        r#"[{"client_id":"c","granted_scopes":[1,null,{}]}]"#,
        r#"[{"client_id":"c","created_date":1e400}]"#,
        r#"[{"client_id":"c","created_date":"-262144-01-01T00:00:00Z"}]"#,
        r#"[null]"#,
        "[",
    ] {
        s.route("GET", "/v2/users/offline-tokens", Reply::json(200, body));
        for args in [
            vec!["consents", "list", &p],
            vec!["consents", "list", &p, "--json"],
        ] {
            let out = run_within(&env, &args, None, &[], Duration::from_secs(20));
            assert_no_panic(body, &out);
        }
    }

    let key = secret("mk-types-");
    let m = Server::start();
    let mp = modelon_profile(&env, &m, "types-m", &key);
    for body in [
        r#"{"data":{"username":5,"license":["x"]}}"#,
        r#"{"data":"x"}"#,
        r#"[]"#,
        r#"{"data":{"username":"u","license":{"a":1}}}"#,
        r#"{"data":{"username":"u","license":18446744073709551616}}"#,
        r#"{"data":{"username":null}}"#,
        r#"{"data":{"username":""}}"#,
        "null",
    ] {
        m.route("GET", "/api/users/me", Reply::json(200, body));
        let out = run_within(
            &env,
            &["key", "check", &mp],
            None,
            &[],
            Duration::from_secs(20),
        );
        assert_no_panic(body, &out);
        // Only a user name that is a string makes a key valid.
        assert!(
            body.contains(r#""username":""#) || !out.stdout.contains(": valid"),
            "{body}: {out:#?}"
        );
        assert_no_panic(body, &env.run(&["status", "--json"]));
    }
    let hub = Server::start();
    hub_front(&hub);
    let hp = modelon_profile(&env, &hub, "types-hub", &key);
    for body in [
        r#"{"server":5}"#,
        r#"{"server":null}"#,
        r#"{"server":["/user/u/"]}"#,
        r#"{"server":""}"#,
        r#"{"server":"/"}"#,
        r#"{"server":"/user/u/%zz/"}"#,
        r#"[]"#,
    ] {
        hub.route("GET", "/hub/api/user", Reply::json(200, body));
        let out = run_within(
            &env,
            &["key", "check", &hp],
            None,
            &[],
            Duration::from_secs(20),
        );
        assert_no_panic(body, &out);
    }
}

/// Issue 17 item 9: a vault whose entries are at the last version number a u64 holds. `key add`
/// (a value already there, which a new key never overwrites) and `profile edit` (the entry
/// at u64::MAX) refuse with a sentence before they write anything (no POST reaches the
/// vault), and never panic (`cas + 1` overflowed after the write).
#[test]
fn a_vault_at_the_last_version_number_is_refused_before_anything_is_written() {
    let s = Server::start();
    let env = Env::new();
    let p = env.name("maxed");
    let max = u64::MAX;
    let token = secret("hvs.");
    vault_lists(&s, &[&p]);
    s.route(
        "GET",
        &format!("/v1/secret/data/acme/profiles/{p}"),
        Reply::json_value(
            200,
            &json!({"data": {"data": {"toml": format!("[profiles.{p}]\nservice = \"dlubal\"\n")},
                    "metadata": {"version": max}}}),
        ),
    );
    s.route(
        "GET",
        &format!("/v1/secret/data/acme/secrets/{p}/"),
        Reply::json_value(
            200,
            &json!({"data": {"data": {"value": "ak-old"}, "metadata": {"version": max}}}),
        ),
    );
    s.route("POST", "/v1/", Reply::json_value(200, &json!({"data": {}})));
    env.add_openbao_store("acme", &s.url(), "acme");
    let out = env.run_with(
        &["key", "add", &p, "k"],
        Some(&secret("ak-")),
        &[("VAULT_TOKEN", &token)],
    );
    assert_no_panic("key add at version u64::MAX", &out);
    out.fails();
    assert!(out.stderr.contains("nothing was overwritten"), "{out:#?}");
    let out = env.run_with(
        &["profile", "edit", &p, "--set", "description=maxed"],
        None,
        &[("VAULT_TOKEN", &token)],
    );
    assert_no_panic("profile edit at version u64::MAX", &out);
    out.fails();
    assert!(out.stderr.contains(&max.to_string()), "{out:#?}");
    let posts: Vec<String> = s
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.path)
        .collect();
    assert!(posts.is_empty(), "written before refusing: {posts:?}");
}

/// A scripted vault that takes any token and lists the team profiles `names` under `acme`.
fn vault_lists(s: &Server, names: &[&str]) {
    s.route(
        "GET",
        "/v1/auth/token/lookup-self",
        Reply::json_value(
            200,
            &json!({"data": {"display_name": "token", "policies": ["default"], "ttl": 0, "renewable": false}}),
        ),
    );
    s.route(
        "GET",
        "/v1/secret/metadata/acme/profiles",
        Reply::json_value(200, &json!({"data": {"keys": names}})),
    );
}

/// A scripted vault (logged in through `VAULT_TOKEN`) holding team profile `p` of `service`
/// with one key `k` whose stored value is `value`, added as store "acme".
fn vault_with_key(env: &Env, s: &Server, p: &str, service: &str, value: &str) {
    vault_lists(s, &[p]);
    let toml = format!(
        "[profiles.{p}]\nservice = \"{service}\"\n[profiles.{p}.keys.k]\ncreated = \"2026-01-01T00:00:00Z\"\nlast4 = \"9999\"\ndefault = true\n"
    );
    s.route(
        "GET",
        &format!("/v1/secret/data/acme/profiles/{p}"),
        Reply::json_value(
            200,
            &json!({"data": {"data": {"toml": toml}, "metadata": {"version": 1}}}),
        ),
    );
    s.route(
        "GET",
        &format!("/v1/secret/data/acme/secrets/{p}/"),
        Reply::json_value(
            200,
            &json!({"data": {"data": {"value": value}, "metadata": {"version": 1}}}),
        ),
    );
    env.add_openbao_store("acme", &s.url(), "acme");
}

/// Issue 17 item 4: a value read from a team store is checked like a typed key. An OSC 52
/// (set the clipboard) inside it never reaches the terminal through `key get`, a line break
/// never reaches `run`'s hand-over `config.ini` (an `[evil]` section), and the refusal names
/// the profile and key without printing the value.
#[test]
fn a_team_value_with_control_characters_is_refused_by_name() {
    let token = secret("hvs.");
    for (case, service, value) in [
        (
            "osc52",
            "modelon",
            "ak-\u{1b}]52;c;ZXZpbA==\u{7}9999".to_string(),
        ),
        (
            "newline",
            "dlubal",
            "ak-1234\n[evil]\nx = 1\n9999".to_string(),
        ),
        ("c1-csi", "modelon", "ak-\u{9b}2J-9999".to_string()),
    ] {
        let s = Server::start();
        let env = Env::new();
        let p = env.name(case);
        vault_with_key(&env, &s, &p, service, &value);
        let out = env.run_with(&["key", "get", &p], None, &[("VAULT_TOKEN", &token)]);
        assert_no_panic(case, &out);
        out.fails();
        assert_terminal_safe(&format!("{case}: key get stdout"), &out.stdout);
        assert_terminal_safe(&format!("{case}: key get stderr"), &out.stderr);
        assert!(
            !out.stdout.contains("ak-"),
            "{case}: value printed: {out:#?}"
        );
        assert!(
            !out.stderr.contains("ak-"),
            "{case}: value in error: {out:#?}"
        );
        assert!(
            out.stderr.contains(&format!("\"{p}\"")) && out.stderr.contains("\"k\""),
            "{case}: the refusal names no profile and key: {out:#?}"
        );
        let out = env.run_with(
            &["run", &p, "--", "sh", "-c", "echo child-started"],
            None,
            &[("VAULT_TOKEN", &token)],
        );
        assert_no_panic(case, &out);
        out.fails();
        assert!(!out.stdout.contains("child-started"), "{case}: {out:#?}");
        assert!(
            !out.stderr.contains("ak-"),
            "{case}: value in error: {out:#?}"
        );
    }
}

/// A scripted vault (store "acme") whose `profiles/` lists `names`; `entry` answers each read.
fn vault_listing(
    env: &Env,
    s: &Server,
    names: Vec<String>,
    entry: impl Fn(&str) -> Reply + Send + Sync + 'static,
) {
    vault_lists(s, &names.iter().map(String::as_str).collect::<Vec<_>>());
    s.route_fn("GET", "/v1/secret/data/acme/profiles/", move |r| {
        let name = r.path.rsplit('/').next().unwrap_or("").to_string();
        entry(&name)
    });
    env.add_openbao_store("acme", &s.url(), "acme");
}

fn entry_reply(toml: &str) -> Reply {
    Reply::json_value(
        200,
        &json!({"data": {"data": {"toml": toml}, "metadata": {"version": 1}}}),
    )
}

/// Issue 17 item 6: one ill-formed team entry (invalid TOML, a control character) is skipped
/// with its name; the other team profiles are still listed, `status` names the entry as a
/// problem, and the sentence names the store and entry rather than telling to fix "the file".
#[test]
fn a_bad_team_entry_is_skipped_by_name_and_hides_nothing_else() {
    let s = Server::start();
    let env = Env::new();
    let good = env.name("good");
    let broken = env.name("broken");
    let ctrl = env.name("ctrl");
    let (g, b, c) = (good.clone(), broken.clone(), ctrl.clone());
    vault_listing(
        &env,
        &s,
        vec![good.clone(), broken.clone(), ctrl.clone()],
        move |n| {
            if n == g {
                entry_reply(&format!("[profiles.{g}]\nservice = \"dlubal\"\n"))
            } else if n == b {
                entry_reply(&format!("[profiles.{b}\nservice = "))
            } else if n == c {
                entry_reply(&format!(
                    "[profiles.{c}]\nservice = \"dlubal\" # \u{1b}]52;c;ZXZpbA==\u{7}\n"
                ))
            } else {
                Reply::new(404)
            }
        },
    );
    let token = secret("hvs.");
    let out = env.run_with(&["profile", "list"], None, &[("VAULT_TOKEN", &token)]);
    assert_no_panic("profile list", &out);
    assert_terminal_safe("profile list stderr", &out.stderr);
    assert_terminal_safe("profile list stdout", &out.stdout);
    assert!(
        out.stdout.contains(&good),
        "the good team profile is hidden: {out:#?}"
    );
    for bad in [&broken, &ctrl] {
        assert!(
            out.stderr.contains(&format!("profiles/{bad}")) && out.stderr.contains("\"acme\""),
            "no warning naming store and entry {bad}: {out:#?}"
        );
    }
    assert!(!out.stderr.contains("the file"), "{out:#?}");
    let st = env.run_with(&["status"], None, &[("VAULT_TOKEN", &token)]);
    assert_terminal_safe("status", &st.stdout);
    assert!(st.stdout.contains(&good), "{st:#?}");
    assert!(
        st.stdout.contains(&format!("profiles/{broken}")),
        "status names no problem: {st:#?}"
    );
}

/// Issue 17 item 6: a vault listing many entries that answer slowly does not make
/// `profile list` hang: each store is read within a total budget (here 2 s), and the entries
/// beyond it are reported as not read.
#[test]
fn a_slow_vault_with_many_entries_is_read_within_a_budget() {
    let s = Server::start();
    let env = Env::new();
    let names: Vec<String> = (0..400)
        .map(|i| format!("{}-{i}", env.name("many")))
        .collect();
    vault_listing(&env, &s, names, |n| {
        // The server's own pace: 50 ms an entry, 20 s for all of them.
        std::thread::sleep(Duration::from_millis(50));
        entry_reply(&format!("[profiles.{n}]\nservice = \"dlubal\"\n"))
    });
    let token = secret("hvs.");
    let start = std::time::Instant::now();
    let out = run_within(
        &env,
        &["profile", "list"],
        None,
        &[("VAULT_TOKEN", &token), ("SIMCRED_STORE_TIMEOUT", "2")],
        Duration::from_secs(60),
    );
    let took = start.elapsed();
    assert_no_panic("profile list", &out);
    assert!(took < Duration::from_secs(10), "took {took:?}: {out:#?}");
    assert!(
        out.stderr.contains("not read") && out.stderr.contains("\"acme\""),
        "the entries beyond the budget are not reported: {out:#?}"
    );
}

/// Issue 17 item 11: a team profile's metadata is teammates' text. An `exported` path written
/// there (here `/etc/passwd`, and a file of this user's home) is never taken for a file SimCred
/// exported on this computer: `audit` advises removing neither.
#[test]
fn audit_never_advises_removing_a_path_a_team_entry_names() {
    let s = Server::start();
    let env = Env::new();
    let planted = env.home().join("notes.txt");
    std::fs::write(&planted, "mine\n").unwrap();
    let team = env.name("shared");
    let t = team.clone();
    let exported = format!("[\"/etc/passwd\", \"{}\"]", planted.display());
    vault_listing(&env, &s, vec![team.clone()], move |n| {
        if n == t {
            entry_reply(&format!(
                "[profiles.{t}]\nservice = \"dlubal\"\n[profiles.{t}.keys.main]\ncreated = \"2026-01-01T00:00:00Z\"\nlast4 = \"abcd\"\nexported = {exported}\n"
            ))
        } else {
            Reply::new(404)
        }
    });
    let token = secret("hvs.");
    // The team profile is there, with its metadata.
    let list = env.run_with(&["profile", "list"], None, &[("VAULT_TOKEN", &token)]);
    assert!(list.stdout.contains(&team), "{list:#?}");
    let out = run_within(
        &env,
        &["audit", "--json"],
        None,
        &[("VAULT_TOKEN", &token)],
        Duration::from_secs(60),
    );
    assert_no_panic("audit", &out);
    for path in ["/etc/passwd", planted.to_str().unwrap()] {
        assert!(
            !out.stdout.contains(path),
            "audit took {path} from a team entry: {out:#?}"
        );
    }
    assert!(std::fs::read_to_string("/etc/passwd").is_ok() && planted.exists());
}

/// Issue 17, load: a team profile's keys' metadata sits beside each key, one request each.
/// A vault listing 2,000 keys under one profile that answers each slowly does not make
/// `key list` or `profile list` hang: the keys are read within the store's budget (here 2 s),
/// and the profile whose keys were not all read is named, with how to wait longer.
#[test]
fn a_slow_vault_with_many_keys_is_read_within_a_budget() {
    let s = Server::start();
    let env = Env::new();
    let p = env.name("manykeys");
    vault_listing(&env, &s, vec![p.clone()], {
        let p = p.clone();
        move |_| entry_reply(&format!("[profiles.{p}]\nservice = \"dlubal\"\n"))
    });
    let keys: Vec<String> = (0..2000).map(|i| format!("k{i}")).collect();
    s.route(
        "GET",
        &format!("/v1/secret/metadata/acme/secrets/{p}/api-key?list=true"),
        Reply::json_value(200, &json!({"data": {"keys": keys}})),
    );
    s.route(
        "GET",
        &format!("/v1/secret/metadata/acme/secrets/{p}/api-key/?list=true"),
        Reply::json_value(200, &json!({"data": {"keys": keys}})),
    );
    s.route_fn(
        "GET",
        &format!("/v1/secret/metadata/acme/secrets/{p}/api-key/k"),
        |_| {
            // The server's own pace: 50 ms a key, 100 s for all of them.
            std::thread::sleep(Duration::from_millis(50));
            Reply::json_value(
                200,
                &json!({"data": {"versions": {"1": {"created_time": "2026-01-01T00:00:00Z"}},
                        "custom_metadata": {"created": "2026-01-01T00:00:00Z", "last4": "abcd", "status": "unverified"}}}),
            )
        },
    );
    let token = secret("hvs.");
    let vars = [
        ("VAULT_TOKEN", token.as_str()),
        ("SIMCRED_STORE_TIMEOUT", "2"),
    ];
    for args in [vec!["key", "list", &p], vec!["profile", "list"]] {
        let out = run_within(&env, &args, None, &vars, Duration::from_secs(60));
        assert_no_panic("a listing of 2,000 slow keys", &out);
        assert!(
            out.stderr.contains("not all read within 2 s")
                && out.stderr.contains("SIMCRED_STORE_TIMEOUT")
                && out.stderr.contains(&p),
            "{args:?}: {out:#?}"
        );
    }
}
