//! End-to-end tests of the fake Ansys SimAI over real loopback HTTP (SimCred's own client,
//! `simcred_base::http::Http`, which never follows redirects): the Keycloak realm (discovery,
//! device flow, password + TOTP, refresh, offline tokens, revocation, logout, userinfo), the API's
//! consent endpoints, the browser's device page, the faults, and the binary's SimAI flags.

mod support;

use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use simcred_sandbox::{
    Fault, Sandbox, SandboxOptions, SimaiOptions, REDIRECT_ORIGIN, SIMAI_CLIENT_ID,
};
use support::{reply, url_of, Binary, Reply};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// SimCred's own client, with a 10 s timeout.
fn client() -> simcred_base::http::Http {
    support::client(Duration::from_secs(10))
}

fn get(url: &str, headers: &[(&str, &str)]) -> Reply {
    reply(client().send("GET", &url_of(url), headers, None))
}

fn delete(url: &str, headers: &[(&str, &str)]) -> Reply {
    reply(client().send("DELETE", &url_of(url), headers, None))
}

fn post_form(url: &str, fields: &[(&str, &str)]) -> Reply {
    reply(client().send("POST", &url_of(url), &[], Some(fields)))
}

fn post_json(url: &str, body: &Value) -> Reply {
    reply(client().send_json("POST", &url_of(url), &[], &body.to_string()))
}

/// The claims of a JWT, unverified.
fn claims(jwt: &str) -> Value {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "not JWT-shaped: {jwt}");
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut bytes = Vec::new();
    for c in parts[1].bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).expect("base64url") as u32;
        bits = bits << 6 | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            bytes.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    serde_json::from_slice(&bytes).expect("JSON claims")
}

fn assert_oauth_error(reply: &Reply, status: u16, error: &str, description: Option<&str>) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert!(
        reply.content_type.starts_with("application/json"),
        "{reply:?}"
    );
    let body = reply.json();
    assert_eq!(body["error"], error, "{reply:?}");
    let got = body["error_description"]
        .as_str()
        .unwrap_or_else(|| panic!("no error_description: {reply:?}"));
    if let Some(description) = description {
        assert_eq!(got, description);
    }
}

fn assert_api_error(reply: &Reply, status: u16, message: &str) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert_eq!(reply.json(), json!({ "message": message }));
}

/// Polls `cond` until it holds, failing after a generous deadline.
fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(50));
    }
}

/// A sandbox and its SimAI URLs.
struct Sim {
    sandbox: Sandbox,
    realm: String,
    api: String,
}

impl Sim {
    fn start(opts: SimaiOptions) -> Sim {
        let sandbox = Sandbox::start_with(SandboxOptions::default(), opts).expect("starts");
        let realm = sandbox.simai_realm_url();
        let api = sandbox.simai_api_url();
        Sim {
            sandbox,
            realm,
            api,
        }
    }

    fn default() -> Sim {
        Sim::start(SimaiOptions::default())
    }

    fn oidc(&self, endpoint: &str) -> String {
        format!("{}/protocol/openid-connect/{endpoint}", self.realm)
    }

    fn control(&self, rest: &str) -> String {
        format!("{}/_sandbox/simai/{rest}", self.sandbox.url())
    }

    fn token(&self, fields: &[(&str, &str)]) -> Reply {
        post_form(&self.oidc("token"), fields)
    }

    fn device_start(&self, scope: &str) -> Value {
        let started = post_form(
            &self.oidc("auth/device"),
            &[("client_id", SIMAI_CLIENT_ID), ("scope", scope)],
        );
        assert_eq!(started.status, 200, "{started:?}");
        started.json()
    }

    fn poll(&self, device_code: &str) -> Reply {
        self.token(&[
            ("grant_type", DEVICE_GRANT),
            ("client_id", SIMAI_CLIENT_ID),
            ("device_code", device_code),
        ])
    }

    /// Polls until the answer is not `slow_down` (the interval passing).
    fn poll_past_slow_down(&self, device_code: &str) -> Reply {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let reply = self.poll(device_code);
            if reply.status != 400 || reply.json()["error"] != "slow_down" {
                return reply;
            }
            assert!(Instant::now() < deadline, "still slow_down: {reply:?}");
            thread::sleep(Duration::from_millis(100));
        }
    }

    fn password(&self, scope: &str, totp: &str) -> Reply {
        self.token(&[
            ("grant_type", "password"),
            ("client_id", SIMAI_CLIENT_ID),
            ("username", "demo@example.com"),
            ("password", "demo-password"),
            ("totp", totp),
            ("scope", scope),
        ])
    }

    fn refresh(&self, client_id: &str, refresh_token: &str) -> Reply {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("client_id", client_id),
            ("refresh_token", refresh_token),
        ])
    }

    fn consents(&self, access_token: &str) -> Reply {
        get(
            &format!("{}users/offline-tokens", self.api),
            &[
                ("Authorization", &format!("Bearer {access_token}")),
                ("X-Org", "demo-org"),
            ],
        )
    }

    fn delete_consent(&self, access_token: &str, encoded_client_id: &str) -> Reply {
        delete(
            &format!("{}users/offline-tokens/{encoded_client_id}", self.api),
            &[
                ("Authorization", &format!("Bearer {access_token}")),
                ("X-Org", "demo-org"),
            ],
        )
    }
}

fn fast_device() -> SimaiOptions {
    SimaiOptions {
        device_interval: 1,
        ..SimaiOptions::default()
    }
}

#[test]
fn urls_and_discovery() {
    let sim = Sim::default();
    let url = sim.sandbox.url();
    assert_eq!(sim.api, format!("{url}/v2/"));
    assert_eq!(sim.realm, format!("{url}/auth/realms/simai"));

    let found = get(
        &format!("{}/.well-known/openid-configuration", sim.realm),
        &[],
    );
    assert_eq!(found.status, 200);
    assert!(found.content_type.starts_with("application/json"));
    assert_eq!(found.cache_control.as_deref(), Some("no-store"));
    let d = found.json();
    let oidc = format!("{}/protocol/openid-connect", sim.realm);
    assert_eq!(d["issuer"], sim.realm);
    assert_eq!(d["authorization_endpoint"], format!("{oidc}/auth"));
    assert_eq!(d["token_endpoint"], format!("{oidc}/token"));
    assert_eq!(
        d["device_authorization_endpoint"],
        format!("{oidc}/auth/device")
    );
    assert_eq!(d["revocation_endpoint"], format!("{oidc}/revoke"));
    assert_eq!(d["end_session_endpoint"], format!("{oidc}/logout"));
    assert_eq!(d["userinfo_endpoint"], format!("{oidc}/userinfo"));
    let grants = d["grant_types_supported"].as_array().unwrap();
    for grant in ["password", "refresh_token", DEVICE_GRANT] {
        assert!(grants.contains(&json!(grant)), "{grant}");
    }

    for path in ["", "info"] {
        let info = get(&format!("{}{path}", sim.api), &[]);
        assert_eq!(
            (info.status, info.json()),
            (200, json!({"version": "sandbox"}))
        );
    }
    assert_api_error(&get(&format!("{}nowhere", sim.api), &[]), 404, "Not found");
    assert_eq!(get(&sim.oidc("token"), &[]).status, 405);

    // Only the SDK's two public clients exist.
    for client in ["someone-else", ""] {
        assert_oauth_error(
            &post_form(&sim.oidc("auth/device"), &[("client_id", client)]),
            401,
            "invalid_client",
            Some("Invalid client or Invalid client credentials"),
        );
    }
    assert_oauth_error(
        &post_form(&sim.oidc("token"), &[("grant_type", "password")]),
        401,
        "invalid_client",
        None,
    );
}

#[test]
fn device_flow_pending_then_slow_down_then_tokens() {
    let sim = Sim::start(fast_device());
    let started = sim.device_start("openid");
    let user_code = started["user_code"].as_str().unwrap().to_owned();
    assert_eq!(user_code.len(), 9);
    assert!(user_code.chars().enumerate().all(|(i, c)| if i == 4 {
        c == '-'
    } else {
        c.is_ascii_uppercase()
    }));
    let verification = format!("{}/device", sim.realm);
    assert_eq!(started["verification_uri"], verification);
    assert_eq!(
        started["verification_uri_complete"],
        format!("{verification}?user_code={user_code}")
    );
    assert_eq!(started["interval"], 1);
    assert_eq!(started["expires_in"], 600);
    let device_code = started["device_code"].as_str().unwrap().to_owned();

    assert_oauth_error(
        &sim.poll(&device_code),
        400,
        "authorization_pending",
        Some("The authorization request is still pending"),
    );
    assert_oauth_error(&sim.poll(&device_code), 400, "slow_down", None);
    assert_eq!(sim.sandbox.simai_last_approval(), None);

    let approved = post_json(&sim.control("approve"), &json!({ "user_code": user_code }));
    assert_eq!(approved.status, 204, "{approved:?}");
    let approval = sim.sandbox.simai_last_approval().expect("recorded");

    let tokens = sim.poll_past_slow_down(&device_code);
    assert_eq!(tokens.status, 200, "{tokens:?}");
    assert_eq!(tokens.cache_control.as_deref(), Some("no-store"));
    let t = tokens.json();
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 300);
    assert_eq!(t["refresh_expires_in"], 1800);
    assert!(t["id_token"].is_string() && t["session_state"].is_string());
    assert_eq!(t["scope"], "openid profile email");
    let access = claims(t["access_token"].as_str().unwrap());
    assert_eq!(access["typ"], "Bearer");
    assert_eq!(access["azp"], SIMAI_CLIENT_ID);
    assert_eq!(access["iss"], sim.realm);
    assert_eq!(access["preferred_username"], "demo@example.com");
    assert_eq!(
        access["exp"].as_u64().unwrap() - access["iat"].as_u64().unwrap(),
        300
    );
    assert!(access["sub"].is_string() && access["jti"].is_string());
    assert_eq!(
        claims(t["refresh_token"].as_str().unwrap())["typ"],
        "Refresh"
    );
    let issued = sim.sandbox.simai_last_device_token().expect("recorded");
    assert!(issued >= approval);

    // The code is used up; nothing was an offline login.
    assert_oauth_error(
        &sim.poll_past_slow_down(&device_code),
        400,
        "invalid_grant",
        None,
    );
    assert!(sim.sandbox.simai_consents().is_empty());

    // Every poll was recorded; the ones answered 200 or pending were at least 1 s apart.
    let polls = sim.sandbox.simai_token_requests();
    assert!(polls.len() >= 4, "{polls:?}");
    assert!(polls.windows(2).all(|w| w[0] <= w[1]));
    assert!(polls[1].duration_since(polls[0]) < Duration::from_secs(1));

    assert_oauth_error(&sim.poll("no-such-code"), 400, "invalid_grant", None);
    assert_oauth_error(
        &sim.token(&[("grant_type", DEVICE_GRANT), ("client_id", SIMAI_CLIENT_ID)]),
        400,
        "invalid_request",
        None,
    );
}

#[test]
fn device_page_approves_denies_and_escapes() {
    let sim = Sim::start(fast_device());
    let started = sim.device_start("openid offline_access");
    let user_code = started["user_code"].as_str().unwrap().to_owned();
    let device_code = started["device_code"].as_str().unwrap().to_owned();

    let page = get(started["verification_uri_complete"].as_str().unwrap(), &[]);
    assert_eq!(page.status, 200, "{page:?}");
    assert!(page.content_type.starts_with("text/html"));
    assert!(page
        .body
        .contains(&format!("<code id=\"user-code\">{user_code}</code>")));
    assert!(page.body.contains(SIMAI_CLIENT_ID));
    assert!(page.body.contains("offline access"));
    assert!(page
        .body
        .contains("<form method=\"post\" action=\"/auth/realms/simai/device/approve\">"));
    assert!(page
        .body
        .contains("<form method=\"post\" action=\"/auth/realms/simai/device/deny\">"));
    assert!(page.body.contains(">Approve</button>") && page.body.contains(">Deny</button>"));
    assert!(!page.body.contains("<script") && !page.body.contains("src="));

    // The bare page asks for the code.
    let bare = get(started["verification_uri"].as_str().unwrap(), &[]);
    assert_eq!(bare.status, 200);
    assert!(bare.body.contains("name=\"user_code\""));

    // Typed in lower case with a space, as a user might.
    let typed = user_code.to_lowercase().replace('-', " ");
    let done = post_form(
        &format!("{}/device/approve", sim.realm),
        &[("user_code", typed.as_str())],
    );
    assert_eq!(done.status, 200, "{done:?}");
    assert!(done
        .body
        .contains("Device approved. You can return to SimCred."));
    let again = get(started["verification_uri_complete"].as_str().unwrap(), &[]);
    assert_eq!(again.status, 400);
    let tokens = sim.poll(&device_code);
    assert_eq!(tokens.status, 200, "{tokens:?}");
    assert_eq!(tokens.json()["refresh_expires_in"], 0);

    // Deny through the page.
    let second = sim.device_start("openid");
    let denied = post_form(
        &format!("{}/device/deny", sim.realm),
        &[("user_code", second["user_code"].as_str().unwrap())],
    );
    assert_eq!(denied.status, 200);
    assert!(denied.body.contains("Access denied."));
    assert_oauth_error(
        &sim.poll(second["device_code"].as_str().unwrap()),
        400,
        "access_denied",
        None,
    );

    // Unknown codes: a 400 page that echoes nothing unescaped.
    let hostile = "<script>alert(1)</script>\"'";
    let url = format!(
        "{}/device?user_code=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%27",
        sim.realm
    );
    let unknown = get(&url, &[]);
    assert_eq!(unknown.status, 400);
    assert!(unknown.content_type.starts_with("text/html"));
    assert!(unknown.body.contains("not valid or has expired"));
    assert!(!unknown.body.contains(hostile) && !unknown.body.contains("<script"));
    assert!(unknown.body.contains("&lt;script&gt;"));
    let posted = post_form(
        &format!("{}/device/approve", sim.realm),
        &[("user_code", hostile)],
    );
    assert_eq!(posted.status, 400);
    assert!(!posted.body.contains("<script"));
}

#[test]
fn denied_devices_get_access_denied() {
    let sim = Sim::start(fast_device());
    let first = sim.device_start("openid");
    let code = first["user_code"].as_str().unwrap();
    assert_eq!(
        post_json(&sim.control("deny"), &json!({ "user_code": code })).status,
        204
    );
    assert_oauth_error(
        &sim.poll(first["device_code"].as_str().unwrap()),
        400,
        "access_denied",
        None,
    );
    // Decided codes cannot be decided again.
    assert!(!sim.sandbox.approve_simai_device(code));
    assert_eq!(
        post_json(&sim.control("approve"), &json!({ "user_code": code })).status,
        404
    );
    assert_eq!(
        post_json(&sim.control("approve"), &json!({ "nothing": 1 })).status,
        400
    );

    let second = sim.device_start("openid");
    assert!(sim
        .sandbox
        .deny_simai_device(second["user_code"].as_str().unwrap()));
    assert_oauth_error(
        &sim.poll(second["device_code"].as_str().unwrap()),
        400,
        "access_denied",
        None,
    );
    assert!(!sim.sandbox.deny_simai_device("ZZZZ-ZZZZ"));
    assert_eq!(sim.sandbox.approve_latest_simai_device(), None);
    assert_eq!(post_form(&sim.control("approve-latest"), &[]).status, 404);
}

#[test]
fn approve_latest_takes_the_newest_pending_code() {
    let sim = Sim::start(fast_device());
    let older = sim.device_start("openid");
    let newer = sim.device_start("openid");
    let approved = post_json(&sim.control("approve-latest"), &json!({}));
    assert_eq!(approved.status, 200);
    assert_eq!(approved.json()["user_code"], newer["user_code"]);
    assert_eq!(
        sim.sandbox.approve_latest_simai_device().as_deref(),
        older["user_code"].as_str()
    );
    assert_eq!(sim.poll(newer["device_code"].as_str().unwrap()).status, 200);
    assert_eq!(sim.poll(older["device_code"].as_str().unwrap()).status, 200);
}

#[test]
fn device_codes_expire() {
    let sim = Sim::start(SimaiOptions {
        device_interval: 1,
        device_expires_in: 1,
        ..SimaiOptions::default()
    });
    let started = sim.device_start("openid");
    assert_eq!(started["expires_in"], 1);
    let device_code = started["device_code"].as_str().unwrap().to_owned();
    let mut last = String::new();
    wait_until("expired_token", || {
        let reply = sim.poll(&device_code);
        assert_eq!(reply.status, 400, "{reply:?}");
        last = reply.str("error");
        assert!(
            ["authorization_pending", "slow_down", "expired_token"].contains(&last.as_str()),
            "{reply:?}"
        );
        last == "expired_token"
    });
    assert!(!sim
        .sandbox
        .approve_simai_device(started["user_code"].as_str().unwrap()));
    assert_eq!(sim.sandbox.approve_latest_simai_device(), None);
    let page = get(started["verification_uri_complete"].as_str().unwrap(), &[]);
    assert_eq!(page.status, 400);
}

#[test]
fn slow_down_forever_switch() {
    let sim = Sim::start(SimaiOptions {
        device_interval: 0,
        ..SimaiOptions::default()
    });
    let started = sim.device_start("openid");
    let device_code = started["device_code"].as_str().unwrap();
    assert_oauth_error(&sim.poll(device_code), 400, "authorization_pending", None);
    assert_oauth_error(&sim.poll(device_code), 400, "authorization_pending", None);
    assert_eq!(
        post_json(&sim.control("slow-down-forever"), &json!({"on": true})).status,
        204
    );
    assert!(sim.sandbox.approve_latest_simai_device().is_some());
    for _ in 0..3 {
        assert_oauth_error(&sim.poll(device_code), 400, "slow_down", None);
    }
    assert_eq!(
        post_json(&sim.control("slow-down-forever"), &json!({"on": "yes"})).status,
        400
    );
    sim.sandbox.set_simai_slow_down_forever(false);
    assert_eq!(sim.poll(device_code).status, 200);
}

#[test]
fn password_grant_with_and_without_totp() {
    let plain = Sim::default();
    let ok = plain.password("openid", "");
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(claims(&ok.str("access_token"))["typ"], "Bearer");
    // Without TOTP configured, a code sent is ignored, as Keycloak does.
    assert_eq!(plain.password("openid", "123456").status, 200);
    // The username is case-insensitive; the password is not.
    let upper = plain.token(&[
        ("grant_type", "password"),
        ("client_id", SIMAI_CLIENT_ID),
        ("username", "DEMO@example.com"),
        ("password", "demo-password"),
    ]);
    assert_eq!(upper.status, 200);
    for (user, password) in [
        ("demo@example.com", "Demo-password"),
        ("other@example.com", "demo-password"),
        ("", ""),
    ] {
        assert_oauth_error(
            &plain.token(&[
                ("grant_type", "password"),
                ("client_id", SIMAI_CLIENT_ID),
                ("username", user),
                ("password", password),
                ("totp", ""),
            ]),
            401,
            "invalid_grant",
            Some("Invalid user credentials"),
        );
    }

    let totp = Sim::start(SimaiOptions {
        totp: Some("654321".into()),
        ..SimaiOptions::default()
    });
    assert_eq!(totp.password("openid", "654321").status, 200);
    for code in ["", "123456", "6543210"] {
        assert_oauth_error(
            &totp.password("openid", code),
            401,
            "invalid_grant",
            Some("Invalid user credentials"),
        );
    }
    let missing = totp.token(&[
        ("grant_type", "password"),
        ("client_id", SIMAI_CLIENT_ID),
        ("username", "demo@example.com"),
        ("password", "demo-password"),
    ]);
    assert_oauth_error(&missing, 401, "invalid_grant", None);
}

#[test]
fn token_endpoint_rejects_what_keycloak_rejects() {
    let sim = Sim::default();
    assert_oauth_error(
        &sim.token(&[("client_id", SIMAI_CLIENT_ID)]),
        400,
        "invalid_request",
        None,
    );
    assert_oauth_error(
        &sim.token(&[
            ("grant_type", "client_credentials"),
            ("client_id", SIMAI_CLIENT_ID),
        ]),
        400,
        "unsupported_grant_type",
        None,
    );
    let as_json = post_json(
        &sim.oidc("token"),
        &json!({"grant_type": "password", "client_id": SIMAI_CLIENT_ID}),
    );
    assert_oauth_error(&as_json, 415, "invalid_request", None);
}

#[test]
fn offline_login_records_a_consent_listed_by_the_api() {
    let sim = Sim::default();
    let offline = sim.password("openid offline_access", "");
    assert_eq!(offline.status, 200, "{offline:?}");
    let t = offline.json();
    assert_eq!(t["refresh_expires_in"], 0);
    assert_eq!(t["scope"], "openid offline_access profile email");
    let offline_token = t["refresh_token"].as_str().unwrap();
    let c = claims(offline_token);
    assert_eq!(c["typ"], "Offline");
    assert_eq!(c["azp"], SIMAI_CLIENT_ID);
    let access = t["access_token"].as_str().unwrap();

    let listed = sim.consents(access);
    assert_eq!(listed.status, 200, "{listed:?}");
    let list = listed.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["client_id"], SIMAI_CLIENT_ID);
    assert_eq!(
        list[0]["granted_scopes"],
        json!(["openid", "offline_access"])
    );
    let created = list[0]["created_date"].as_str().unwrap();
    assert_eq!(
        created.len(),
        "2025-01-31T12:34:56.789+00:00".len(),
        "{created}"
    );
    assert!(created.ends_with("+00:00") && &created[10..11] == "T");
    assert!(created[..4].parse::<u32>().unwrap() >= 2025, "{created}");
    assert_eq!(
        sim.sandbox.simai_consents(),
        [(SIMAI_CLIENT_ID.to_owned(), 1)]
    );
    let control = get(&sim.control("consents"), &[]);
    assert_eq!(control.json(), listed.json());

    // A second offline login is a second session of the same consent.
    let again = sim.password("openid offline_access", "");
    assert_eq!(again.status, 200);
    assert_eq!(
        sim.sandbox.simai_consents(),
        [(SIMAI_CLIENT_ID.to_owned(), 2)]
    );
    let relisted = sim.consents(access).json();
    assert_eq!(relisted[0]["created_date"], created);
    assert!(relisted[0]["last_updated_date"].as_str().unwrap() >= created);

    // 401 without a valid Bearer token, 403 with the wrong organization.
    let url = format!("{}users/offline-tokens", sim.api);
    assert_api_error(&get(&url, &[("X-Org", "demo-org")]), 401, "Unauthorized");
    assert_api_error(
        &get(
            &url,
            &[("Authorization", "Bearer nope"), ("X-Org", "demo-org")],
        ),
        401,
        "Unauthorized",
    );
    assert_api_error(
        &get(
            &url,
            &[
                ("Authorization", &format!("Bearer {offline_token}")),
                ("X-Org", "demo-org"),
            ],
        ),
        401,
        "Unauthorized",
    );
    let bearer = format!("Bearer {access}");
    assert_api_error(
        &get(&url, &[("Authorization", &bearer), ("X-Org", "other-org")]),
        403,
        "Organization not found",
    );
    assert_api_error(
        &get(&url, &[("Authorization", &bearer)]),
        403,
        "Organization not found",
    );

    // A non-offline login records nothing.
    let other = Sim::default();
    let online = other.password("openid", "");
    assert_eq!(
        other.consents(&online.str("access_token")).json(),
        json!([])
    );
}

#[test]
fn refresh_rotates_and_legacy_tokens_need_client_sdk() {
    let sim = Sim::default();
    let login = sim.password("openid offline_access", "").json();
    let offline = login["refresh_token"].as_str().unwrap();

    let refreshed = sim.refresh(SIMAI_CLIENT_ID, offline);
    assert_eq!(refreshed.status, 200, "{refreshed:?}");
    let r = refreshed.json();
    let rotated = r["refresh_token"].as_str().unwrap();
    assert_ne!(rotated, offline);
    assert_eq!(claims(rotated)["typ"], "Offline");
    assert_eq!(r["refresh_expires_in"], 0);
    assert_eq!(r["session_state"], login["session_state"]);
    assert_ne!(r["access_token"], login["access_token"]);
    assert_eq!(
        sim.consents(r["access_token"].as_str().unwrap()).status,
        200
    );
    // The old one stays valid, as with Keycloak's default.
    assert_eq!(sim.refresh(SIMAI_CLIENT_ID, offline).status, 200);
    assert_eq!(
        sim.sandbox.simai_consents(),
        [(SIMAI_CLIENT_ID.to_owned(), 1)]
    );

    // A non-offline refresh token.
    let online = sim.password("openid", "").json();
    let refresh = online["refresh_token"].as_str().unwrap();
    let renewed = sim.refresh(SIMAI_CLIENT_ID, refresh);
    assert_eq!(renewed.status, 200);
    assert_eq!(renewed.json()["refresh_expires_in"], 1800);

    // Legacy offline tokens carry azp "sdk" and refresh only with client_id "sdk".
    let legacy = sim.sandbox.mint_legacy_offline_token();
    assert_eq!(claims(&legacy)["azp"], "sdk");
    assert_oauth_error(
        &sim.refresh(SIMAI_CLIENT_ID, &legacy),
        400,
        "invalid_grant",
        Some("Invalid refresh token. Token client and authorized client don't match"),
    );
    assert_oauth_error(
        &sim.refresh("sdk", offline),
        400,
        "invalid_grant",
        Some("Invalid refresh token. Token client and authorized client don't match"),
    );
    let legacy_refreshed = sim.refresh("sdk", &legacy);
    assert_eq!(legacy_refreshed.status, 200, "{legacy_refreshed:?}");
    assert_eq!(claims(&legacy_refreshed.str("access_token"))["azp"], "sdk");
    let over_http = post_form(&sim.control("legacy-offline-token"), &[]);
    assert_eq!(over_http.status, 200);
    assert_eq!(claims(&over_http.str("offline_token"))["azp"], "sdk");
    assert_eq!(
        sim.sandbox.simai_consents(),
        [("com.ansys.simai.sdk".to_owned(), 1), ("sdk".to_owned(), 2)]
    );

    // Not refresh tokens at all.
    assert_oauth_error(
        &sim.refresh(SIMAI_CLIENT_ID, login["access_token"].as_str().unwrap()),
        400,
        "invalid_grant",
        Some("Invalid refresh token"),
    );
    assert_oauth_error(
        &sim.refresh(SIMAI_CLIENT_ID, "garbage"),
        400,
        "invalid_grant",
        Some("Invalid refresh token"),
    );
    assert_oauth_error(&sim.refresh("nobody", offline), 401, "invalid_client", None);
    // Another sandbox's offline token is an offline session this one does not know.
    let elsewhere = Sim::default().sandbox.mint_legacy_offline_token();
    assert_oauth_error(
        &sim.refresh("sdk", &elsewhere),
        400,
        "invalid_grant",
        Some("Offline session not active"),
    );
}

#[test]
fn refresh_without_rotation_sends_the_same_token_back() {
    let sim = Sim::start(SimaiOptions {
        rotate_refresh_tokens: false,
        ..SimaiOptions::default()
    });
    let offline = sim
        .password("openid offline_access", "")
        .str("refresh_token");
    let refreshed = sim.refresh(SIMAI_CLIENT_ID, &offline);
    assert_eq!(refreshed.status, 200);
    assert_eq!(refreshed.str("refresh_token"), offline);
    assert_eq!(refreshed.json()["refresh_expires_in"], 0);
}

#[test]
fn deleting_a_consent_kills_the_clients_offline_tokens() {
    let sim = Sim::default();
    let login = sim.password("openid offline_access", "").json();
    let offline = login["refresh_token"].as_str().unwrap().to_owned();
    let rotated = sim.refresh(SIMAI_CLIENT_ID, &offline).str("refresh_token");
    let online = sim.password("openid", "").str("refresh_token");
    let legacy = sim.sandbox.mint_legacy_offline_token();
    let access = login["access_token"].as_str().unwrap();

    // The id is percent-decoded.
    let deleted = sim.delete_consent(access, "com%2Eansys.simai.sdk");
    assert_eq!(deleted.status, 204, "{deleted:?}");
    assert!(deleted.body.is_empty());
    for token in [&offline, &rotated] {
        assert_oauth_error(
            &sim.refresh(SIMAI_CLIENT_ID, token),
            400,
            "invalid_grant",
            Some("Offline session not active"),
        );
    }
    // Other clients' consents and non-offline sessions live on; the access token too, until
    // it expires, as a JWT would.
    assert_eq!(sim.refresh(SIMAI_CLIENT_ID, &online).status, 200);
    assert_eq!(sim.refresh("sdk", &legacy).status, 200);
    let left = sim.consents(access).json();
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["client_id"], "sdk");

    assert_api_error(
        &sim.delete_consent(access, SIMAI_CLIENT_ID),
        404,
        "No offline token found for client com.ansys.simai.sdk",
    );
    assert_eq!(sim.delete_consent(access, "sdk").status, 204);
    assert_oauth_error(
        &sim.refresh("sdk", &legacy),
        400,
        "invalid_grant",
        Some("Offline session not active"),
    );
    assert!(sim.sandbox.simai_consents().is_empty());

    // Auth comes before the lookup.
    let url = format!("{}users/offline-tokens/sdk", sim.api);
    assert_api_error(&delete(&url, &[]), 401, "Unauthorized");
    assert_api_error(
        &delete(
            &url,
            &[
                ("Authorization", &format!("Bearer {access}")),
                ("X-Org", "x"),
            ],
        ),
        403,
        "Organization not found",
    );
}

#[test]
fn revocation_logout_and_userinfo() {
    let sim = Sim::default();
    let revoke = |fields: &[(&str, &str)]| post_form(&sim.oidc("revoke"), fields);

    // RFC 7009: unknown tokens are no error.
    let unknown = revoke(&[("token", "unknown"), ("client_id", SIMAI_CLIENT_ID)]);
    assert_eq!((unknown.status, unknown.body.as_str()), (200, ""));
    assert_oauth_error(
        &revoke(&[("token", "x"), ("client_id", "nobody")]),
        401,
        "invalid_client",
        None,
    );
    assert_oauth_error(
        &revoke(&[("client_id", SIMAI_CLIENT_ID)]),
        400,
        "invalid_request",
        None,
    );

    let login = sim.password("openid offline_access", "").json();
    let offline = login["refresh_token"].as_str().unwrap();
    let access = login["access_token"].as_str().unwrap();
    // A token is revoked only by its own client.
    assert_oauth_error(
        &revoke(&[("token", offline), ("client_id", "sdk")]),
        400,
        "invalid_request",
        Some("Unmatching clients"),
    );
    let revoked = revoke(&[
        ("token", offline),
        ("client_id", SIMAI_CLIENT_ID),
        ("token_type_hint", "refresh_token"),
    ]);
    assert_eq!((revoked.status, revoked.body.as_str()), (200, ""));
    assert_oauth_error(
        &sim.refresh(SIMAI_CLIENT_ID, offline),
        400,
        "invalid_grant",
        Some("Offline session not active"),
    );
    assert!(
        sim.sandbox.simai_consents().is_empty(),
        "the last offline token of the client took the consent with it"
    );
    assert_eq!(
        revoke(&[("token", offline), ("client_id", SIMAI_CLIENT_ID)]).status,
        200,
        "revoking twice is fine"
    );

    // Revoking an access token ends it at the API.
    assert_eq!(sim.consents(access).status, 200);
    assert_eq!(
        revoke(&[("token", access), ("client_id", SIMAI_CLIENT_ID)]).status,
        200
    );
    assert_api_error(&sim.consents(access), 401, "Unauthorized");

    // Logout ends a session; userinfo wants it alive.
    let online = sim.password("openid", "").json();
    let access = online["access_token"].as_str().unwrap();
    let refresh = online["refresh_token"].as_str().unwrap();
    let bearer = format!("Bearer {access}");
    let info = get(&sim.oidc("userinfo"), &[("Authorization", &bearer)]);
    assert_eq!(info.status, 200);
    assert_eq!(info.json()["preferred_username"], "demo@example.com");
    assert_eq!(info.json()["email"], "demo@example.com");
    assert!(info.json()["sub"].is_string());
    let out = post_form(
        &sim.oidc("logout"),
        &[("refresh_token", refresh), ("client_id", SIMAI_CLIENT_ID)],
    );
    assert_eq!(out.status, 204, "{out:?}");
    assert_oauth_error(
        &sim.refresh(SIMAI_CLIENT_ID, refresh),
        400,
        "invalid_grant",
        Some("Session not active"),
    );
    assert_oauth_error(
        &get(&sim.oidc("userinfo"), &[("Authorization", &bearer)]),
        401,
        "invalid_token",
        None,
    );
    assert_oauth_error(&get(&sim.oidc("userinfo"), &[]), 401, "invalid_token", None);
}

#[test]
fn expired_access_tokens_are_refused() {
    let sim = Sim::start(SimaiOptions {
        access_token_ttl: 0,
        ..SimaiOptions::default()
    });
    let login = sim.password("openid offline_access", "").json();
    assert_eq!(login["expires_in"], 0);
    assert_api_error(
        &sim.consents(login["access_token"].as_str().unwrap()),
        401,
        "Unauthorized",
    );
}

#[test]
fn access_token_ttl_control_and_the_workspaces_the_sdk_lists() {
    let sim = Sim::default();
    let login = sim.password("openid offline_access", "").json();
    assert_eq!(login["expires_in"], 300);
    let offline = login["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        post_json(&sim.control("access-token-ttl"), &json!({"seconds": 3})).status,
        204
    );
    for bad in [json!({"seconds": 0}), json!({"seconds": "3"}), json!({})] {
        assert_eq!(
            post_json(&sim.control("access-token-ttl"), &bad).status,
            400
        );
    }
    assert_eq!(get(&sim.control("access-token-ttl"), &[]).status, 405);
    // Tokens issued from now on live 3 s, in the answer and in their `exp`.
    let fresh = sim.refresh(SIMAI_CLIENT_ID, &offline).json();
    assert_eq!(fresh["expires_in"], 3);
    let access = fresh["access_token"].as_str().unwrap().to_owned();
    let c = claims(&access);
    assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 3);

    // GET workspaces/ (one page, X-Pagination) and by name or id, behind Bearer + X-Org.
    let auth = format!("Bearer {access}");
    let headers = [("Authorization", auth.as_str()), ("X-Org", "demo-org")];
    let list = get(&format!("{}workspaces/?", sim.api), &headers);
    assert_eq!(list.status, 200, "{list:?}");
    assert_eq!(list.json()[0]["name"], "demo-ws");
    let id = list.json()[0]["id"].as_str().unwrap().to_owned();
    for path in [
        "workspaces/name/demo-ws".to_string(),
        format!("workspaces/{id}"),
    ] {
        let one = get(&format!("{}{path}", sim.api), &headers);
        assert_eq!(one.status, 200, "{path}: {one:?}");
        assert_eq!(one.json()["id"], id.as_str());
    }
    assert_api_error(
        &get(&format!("{}workspaces/name/nope", sim.api), &headers),
        404,
        "Workspace nope not found",
    );
    assert_api_error(
        &get(&format!("{}workspaces/", sim.api), &headers[1..]),
        401,
        "Unauthorized",
    );
    assert_api_error(
        &get(
            &format!("{}workspaces/", sim.api),
            &[("Authorization", auth.as_str()), ("X-Org", "other-org")],
        ),
        403,
        "Organization not found",
    );
}

#[test]
fn faults_reach_the_realm_and_the_api() {
    let sim = Sim::default();
    sim.sandbox.set_fault(Fault::Redirect);
    let token = post_form(&sim.oidc("token"), &[("client_id", SIMAI_CLIENT_ID)]);
    assert_eq!(token.status, 302);
    assert_eq!(
        token.location.as_deref(),
        Some("https://evil.example.invalid/auth/realms/simai/protocol/openid-connect/token")
    );
    assert_eq!(REDIRECT_ORIGIN, "https://evil.example.invalid");
    let api = get(&format!("{}users/offline-tokens", sim.api), &[]);
    assert_eq!(api.status, 302);
    assert_eq!(
        api.location.as_deref(),
        Some("https://evil.example.invalid/v2/users/offline-tokens")
    );
    assert!(
        sim.sandbox.simai_token_requests().is_empty(),
        "faulted requests are not served"
    );
    // The control endpoints are never faulted.
    assert_eq!(get(&sim.control("consents"), &[]).status, 200);

    let fault_url = format!("{}/_sandbox/fault", sim.sandbox.url());
    assert_eq!(post_json(&fault_url, &json!({"fault": "500"})).status, 204);
    assert_eq!(sim.password("openid", "").status, 500);
    assert_eq!(
        post_json(&fault_url, &json!({"fault": "redirect"})).status,
        204
    );
    assert_eq!(sim.sandbox.fault(), Fault::Redirect);
    assert_eq!(sim.password("openid", "").status, 302);
    sim.sandbox.set_fault(Fault::None);
    assert_eq!(sim.password("openid", "").status, 200);
}

#[test]
fn binary_serves_simai_with_its_flags() {
    let bin = Binary::start(["--simai-totp", "246810", "--device-interval", "1"]);
    let url = bin.url.clone();
    let realm = format!("{url}/auth/realms/simai/protocol/openid-connect");

    let device = post_form(
        &format!("{realm}/auth/device"),
        &[("client_id", SIMAI_CLIENT_ID)],
    );
    assert_eq!(device.json()["interval"], 1);
    let with = |totp: &str| {
        post_form(
            &format!("{realm}/token"),
            &[
                ("grant_type", "password"),
                ("client_id", SIMAI_CLIENT_ID),
                ("username", "demo@example.com"),
                ("password", "demo-password"),
                ("totp", totp),
            ],
        )
        .status
    };
    assert_eq!(with("246810"), 200);
    assert_eq!(with(""), 401);

    let stderr = bin.stop();
    assert!(stderr.contains(&format!("{url}/v2/")), "{stderr}");
    assert!(stderr.contains("demo@example.com") && stderr.contains("demo-password"));
    assert!(!stderr.contains("246810"), "the TOTP code is never printed");
}
