//! A fake Ansys SimAI: its Keycloak realm under `/auth/realms/simai` and the slice of its API
//! under `/v2/` that manages offline-token consents.
//!
//! The realm speaks what the SimAI SDK and SimCred use, with Keycloak's answers and error shape
//! (`{"error", "error_description"}`):
//!
//! - OIDC discovery (`GET .well-known/openid-configuration`);
//! - the RFC 8628 device flow (`POST protocol/openid-connect/auth/device`, a browser page at
//!   `device` with Approve/Deny buttons, polling the token endpoint with `authorization_pending`,
//!   `slow_down` when polled faster than `interval`, `access_denied`, `expired_token`);
//! - the password grant with an optional TOTP code (`totp` form field);
//! - refresh tokens, offline tokens (`scope` containing `offline_access`; they never expire and
//!   record a consent for the client), rotation, and the legacy client `sdk`, whose tokens must
//!   be refreshed with `client_id=sdk`;
//! - RFC 7009 revocation (`protocol/openid-connect/revoke`), logout and `userinfo`.
//!
//! The API answers `GET /v2/users/offline-tokens` (the consents),
//! `DELETE /v2/users/offline-tokens/{client_id}` (revoke a client's offline tokens),
//! `GET /v2/workspaces/` (one page listing the demo workspace, with the SDK's `X-Pagination`
//! header) and `GET /v2/workspaces/name/{name}` / `GET /v2/workspaces/{id}`, behind
//! `Authorization: Bearer` and `X-Org`, with errors shaped `{"message"}`: what the SDK's
//! `SimAIClient` asks at start (with `workspace` set) and in a small job.
//!
//! For the SDK's server-side optimisation (`optimizations.run_non_parametric`, 0.4.8): the
//! workspace's public model manifest (`GET /v2/workspaces/{id}/model/manifest/public`, with
//! `feature_flags: ["server_side_optimization"]` and a `coreml_version`, `3.20.0` unless set),
//! the demo geometry (`GET /v2/geometries/{id}`) and `POST
//! /v2/workspaces/{id}/server-side-optimizations`, which wants a live offline token in its
//! body, of the client the model's coreml version needs (the SDK's
//! `_get_expected_client_id_for_coreml_model`: 3.16–3.17 `sdk`, 3.18–3.19
//! `com.ansys.simai.sdk`, any other either), and answers with a finished optimisation.
//!
//! Tokens are JWT-shaped (base64url header, claims and a random "signature") so that clients can
//! read `exp` and `azp`, but they are checked by lookup in memory, not by signature. Like a real
//! resource server validating JWTs, the API accepts an access token until it expires or is itself
//! revoked, even after its session ends; the realm's `userinfo` also wants the session alive.
//!
//! Control endpoints under `/_sandbox/simai/`: `POST approve` / `deny` (`{"user_code"}`),
//! `POST approve-latest`, `POST legacy-offline-token`, `POST slow-down-forever` (`{"on"}`),
//! `POST access-token-ttl` (`{"seconds"}`: the lifetime of access tokens issued from then on),
//! `POST coreml-version` (`{"version"}`: the model manifest's `coreml_version`), `GET consents`
//! and `GET device-requests` (`{"count", "clients"}`: device authorizations asked so far).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::http::{escape_html, percent_decode, Form, Request, Response};
use crate::server::{below, lock, method_not_allowed, Vendor};
use crate::token;

/// Path of the realm, below the server's origin.
pub(crate) const REALM_PATH: &str = "/auth/realms/simai";
/// Path prefix of the API (the base URL a SimAI profile points at is `{origin}/v2/`).
pub(crate) const API_PREFIX: &str = "/v2";
/// The SDK's public client.
pub const CLIENT_ID: &str = "com.ansys.simai.sdk";
/// The legacy public client, still found in the `azp` of old offline tokens.
pub const LEGACY_CLIENT_ID: &str = "sdk";
/// The device-code grant type of RFC 8628.
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Lifetime of a (non-offline) refresh token, Keycloak's default SSO idle timeout.
const REFRESH_TTL: u64 = 1800;
/// The demo user's subject (a fixed UUID, as Keycloak's user ids are).
const USER_SUB: &str = "5b0f8a2e-6c1d-4e8f-9a7b-3c2d1e0f4a5b";
/// The scopes Keycloak grants without being asked.
const DEFAULT_SCOPES: [&str; 2] = ["profile", "email"];
/// The scopes the realm knows; others are ignored, as Keycloak does.
const KNOWN_SCOPES: [&str; 4] = ["openid", "offline_access", "profile", "email"];
/// The one workspace the API lists (id, name).
const WORKSPACE: (&str, &str) = ("ws-demo-0001", "demo-ws");
/// The one geometry of that workspace (id, name).
const GEOMETRY: (&str, &str) = ("geom-demo-0001", "demo-wing.vtp");
/// The model manifest's `coreml_version` until set otherwise: one that takes either client.
pub const DEFAULT_COREML_VERSION: &str = "3.20.0";

/// How the fake SimAI behaves; every field has a demo-friendly default.
#[derive(Clone)]
pub struct SimaiOptions {
    /// The one user's name (`"demo@example.com"`), also their e-mail.
    pub user: String,
    /// Their password (`"demo-password"`).
    pub password: String,
    /// When `Some`, the password grant also wants this exact code in the `totp` field (`None`).
    pub totp: Option<String>,
    /// The device flow's `interval`, in seconds (5); polling sooner gets `slow_down`.
    pub device_interval: u64,
    /// The device flow's `expires_in`, in seconds (600).
    pub device_expires_in: u64,
    /// Lifetime of access tokens, in seconds (300).
    pub access_token_ttl: u64,
    /// Whether a refresh answers with a new refresh token (true); the old one stays valid
    /// either way. When false the same refresh token is sent back.
    pub rotate_refresh_tokens: bool,
    /// The organization the API wants in `X-Org` (`"demo-org"`).
    pub organization: String,
}

impl Default for SimaiOptions {
    fn default() -> SimaiOptions {
        SimaiOptions {
            user: "demo@example.com".to_owned(),
            password: "demo-password".to_owned(),
            totp: None,
            device_interval: 5,
            device_expires_in: 600,
            access_token_ttl: 300,
            rotate_refresh_tokens: true,
            organization: "demo-org".to_owned(),
        }
    }
}

impl fmt::Debug for SimaiOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimaiOptions")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .field("totp", &self.totp.as_ref().map(|_| "<redacted>"))
            .field("device_interval", &self.device_interval)
            .field("device_expires_in", &self.device_expires_in)
            .field("access_token_ttl", &self.access_token_ttl)
            .field("rotate_refresh_tokens", &self.rotate_refresh_tokens)
            .field("organization", &self.organization)
            .finish()
    }
}

/// Where a device authorization stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DeviceStatus {
    Pending,
    Approved,
    Denied,
    /// Approved and exchanged for tokens: the device code is used up.
    Consumed,
}

/// One device authorization request.
#[derive(Debug)]
struct Device {
    device_code: String,
    /// As shown: `ABCD-EFGH`.
    user_code: String,
    client_id: &'static str,
    scope: String,
    created: Instant,
    expires_at: Instant,
    status: DeviceStatus,
    /// The last poll that was not answered `slow_down`.
    last_poll: Option<Instant>,
}

impl Device {
    fn expired(&self, now: Instant) -> bool {
        now >= self.expires_at
    }
}

/// A login: what a refresh token renews.
#[derive(Debug)]
struct Session {
    client_id: &'static str,
    /// The granted scopes, space-separated.
    scope: String,
    offline: bool,
    active: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Access,
    Refresh,
    Offline,
}

impl Kind {
    /// The `typ` claim Keycloak gives this kind.
    fn typ(self) -> &'static str {
        match self {
            Kind::Access => "Bearer",
            Kind::Refresh => "Refresh",
            Kind::Offline => "Offline",
        }
    }
}

/// An issued access or refresh token.
#[derive(Debug)]
struct Token {
    kind: Kind,
    session: String,
    /// `None` for offline tokens, which do not expire.
    expires_at: Option<Instant>,
    revoked: bool,
}

impl Token {
    fn expired(&self, now: Instant) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }
}

/// A user's consent to a client's offline access.
#[derive(Debug, Clone, Copy)]
struct Consent {
    created: SystemTime,
    last_updated: SystemTime,
}

#[derive(Debug, Default)]
struct State {
    devices: Vec<Device>,
    /// By `session_state`.
    sessions: HashMap<String, Session>,
    /// By the token string itself.
    tokens: HashMap<String, Token>,
    /// By client id.
    consents: BTreeMap<&'static str, Consent>,
    slow_down_forever: bool,
    last_approval: Option<Instant>,
    last_device_token: Option<Instant>,
    token_requests: Vec<Instant>,
    /// The client of each device authorization asked for, oldest first.
    device_requests: Vec<&'static str>,
    /// The model manifest's `coreml_version` (`None`: [`DEFAULT_COREML_VERSION`]).
    coreml_version: Option<String>,
    /// Server-side optimisations started.
    optimizations: usize,
}

impl State {
    /// The device whose user code is `user_code` (compared letters only, case-insensitively),
    /// newest first.
    fn device_by_user_code(&mut self, user_code: &str) -> Option<&mut Device> {
        let wanted = normalize_user_code(user_code);
        if wanted.is_empty() {
            return None;
        }
        self.devices
            .iter_mut()
            .rev()
            .find(|d| normalize_user_code(&d.user_code) == wanted)
    }

    /// The number of live offline sessions of `client_id`.
    fn live_offline(&self, client_id: &str) -> usize {
        self.sessions
            .values()
            .filter(|s| s.offline && s.active && s.client_id == client_id)
            .count()
    }

    /// Ends a session: its refresh tokens die (access tokens live on until they expire).
    fn end_session(&mut self, id: &str) {
        let Some(session) = self.sessions.get_mut(id) else {
            return;
        };
        session.active = false;
        let (offline, client_id) = (session.offline, session.client_id);
        for token in self.tokens.values_mut() {
            if token.session == id && token.kind != Kind::Access {
                token.revoked = true;
            }
        }
        if offline && self.live_offline(client_id) == 0 {
            self.consents.remove(client_id);
        }
    }

    fn record_consent(&mut self, client_id: &'static str) {
        let now = SystemTime::now();
        self.consents
            .entry(client_id)
            .and_modify(|c| c.last_updated = now)
            .or_insert(Consent {
                created: now,
                last_updated: now,
            });
    }

    fn consents_json(&self) -> Value {
        Value::Array(
            self.consents
                .iter()
                .map(|(client_id, c)| {
                    json!({
                        "client_id": client_id,
                        "created_date": iso8601(c.created),
                        "last_updated_date": iso8601(c.last_updated),
                        "granted_scopes": ["openid", "offline_access"],
                    })
                })
                .collect(),
        )
    }
}

/// The fake SimAI: options, the origin it is served on, and its state.
pub(crate) struct Simai {
    opts: SimaiOptions,
    origin: OnceLock<String>,
    state: Mutex<State>,
    /// The lifetime of access tokens issued from now on (`opts.access_token_ttl` at start).
    access_ttl: AtomicU64,
}

impl Simai {
    pub fn new(opts: SimaiOptions) -> Simai {
        Simai {
            access_ttl: AtomicU64::new(opts.access_token_ttl),
            opts,
            origin: OnceLock::new(),
            state: Mutex::new(State::default()),
        }
    }

    /// Sets `http://127.0.0.1:PORT`, the origin of every absolute URL the realm hands out (the
    /// issuer, the verification URI), once the server is bound.
    pub fn set_origin(&self, origin: String) {
        let _ = self.origin.set(origin);
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// The realm's URL, without a trailing slash.
    fn realm_url(&self) -> String {
        let origin = self.origin.get().map_or("http://127.0.0.1", String::as_str);
        format!("{origin}{REALM_PATH}")
    }

    // ----- what `Sandbox` exposes -----

    /// Approves the pending, unexpired device authorization with this user code.
    pub fn approve(&self, user_code: &str) -> bool {
        self.decide(user_code, DeviceStatus::Approved)
    }

    /// Denies the pending, unexpired device authorization with this user code.
    pub fn deny(&self, user_code: &str) -> bool {
        self.decide(user_code, DeviceStatus::Denied)
    }

    fn decide(&self, user_code: &str, status: DeviceStatus) -> bool {
        let now = Instant::now();
        let mut state = self.state();
        let Some(device) = state.device_by_user_code(user_code) else {
            return false;
        };
        if device.status != DeviceStatus::Pending || device.expired(now) {
            return false;
        }
        device.status = status;
        if status == DeviceStatus::Approved {
            state.last_approval = Some(now);
        }
        true
    }

    /// Approves the most recent pending, unexpired device authorization; returns its user code.
    pub fn approve_latest(&self) -> Option<String> {
        let now = Instant::now();
        let mut state = self.state();
        let device = state
            .devices
            .iter_mut()
            .filter(|d| d.status == DeviceStatus::Pending && !d.expired(now))
            .max_by_key(|d| d.created)?;
        device.status = DeviceStatus::Approved;
        let user_code = device.user_code.clone();
        state.last_approval = Some(now);
        Some(user_code)
    }

    /// An offline token of the legacy client `sdk`, as older SDKs minted them.
    pub fn mint_legacy_offline_token(&self) -> String {
        let mut state = self.state();
        let answer = self.issue(&mut state, LEGACY_CLIENT_ID, "openid offline_access");
        answer["refresh_token"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_default()
    }

    /// Sets the lifetime of access tokens issued from now on.
    pub fn set_access_token_ttl(&self, seconds: u64) {
        self.access_ttl.store(seconds, Ordering::SeqCst);
    }

    pub fn set_slow_down_forever(&self, on: bool) {
        self.state().slow_down_forever = on;
    }

    /// `(client_id, live offline sessions)` for each consent, by client id.
    pub fn consents(&self) -> Vec<(String, usize)> {
        let state = self.state();
        state
            .consents
            .keys()
            .map(|c| ((*c).to_owned(), state.live_offline(c)))
            .collect()
    }

    pub fn last_approval(&self) -> Option<Instant> {
        self.state().last_approval
    }

    pub fn last_device_token(&self) -> Option<Instant> {
        self.state().last_device_token
    }

    pub fn token_requests(&self) -> Vec<Instant> {
        self.state().token_requests.clone()
    }

    /// The client of each device authorization asked for so far, oldest first.
    pub fn device_requests(&self) -> Vec<String> {
        self.state()
            .device_requests
            .iter()
            .map(|c| (*c).to_owned())
            .collect()
    }

    /// Sets the model manifest's `coreml_version` (`None`: back to the default).
    pub fn set_coreml_version(&self, version: Option<&str>) {
        self.state().coreml_version = version.map(str::to_owned);
    }

    // ----- tokens -----

    /// Starts a session for `client_id` with the `requested` scopes and issues its first tokens;
    /// returns the token endpoint's answer.
    fn issue(&self, state: &mut State, client_id: &'static str, requested: &str) -> Value {
        let scope = granted_scope(requested);
        let offline = scope.split(' ').any(|s| s == "offline_access");
        let session_id = token::random_uuid();
        state.sessions.insert(
            session_id.clone(),
            Session {
                client_id,
                scope,
                offline,
                active: true,
            },
        );
        if offline {
            state.record_consent(client_id);
        }
        self.answer(state, &session_id, None)
    }

    /// New tokens for a live session: a fresh access token, and a fresh refresh token unless
    /// `keep_refresh` (the one presented, when rotation is off).
    fn answer(&self, state: &mut State, session_id: &str, keep_refresh: Option<&str>) -> Value {
        let Some(session) = state.sessions.get(session_id) else {
            return Value::Null;
        };
        let (client_id, scope, offline) =
            (session.client_id, session.scope.clone(), session.offline);
        let now = Instant::now();
        let ttl = self.access_ttl.load(Ordering::SeqCst);
        let access = self.jwt(Kind::Access, client_id, &scope, session_id, Some(ttl));
        state.tokens.insert(
            access.clone(),
            Token {
                kind: Kind::Access,
                session: session_id.to_owned(),
                expires_at: Some(now + Duration::from_secs(ttl)),
                revoked: false,
            },
        );
        let (kind, refresh_ttl) = if offline {
            (Kind::Offline, None)
        } else {
            (Kind::Refresh, Some(REFRESH_TTL))
        };
        let refresh = if let Some(kept) = keep_refresh {
            kept.to_owned()
        } else {
            let refresh = self.jwt(kind, client_id, &scope, session_id, refresh_ttl);
            state.tokens.insert(
                refresh.clone(),
                Token {
                    kind,
                    session: session_id.to_owned(),
                    expires_at: refresh_ttl.map(|s| now + Duration::from_secs(s)),
                    revoked: false,
                },
            );
            refresh
        };
        let mut answer = json!({
            "access_token": access,
            "expires_in": ttl,
            "refresh_expires_in": refresh_ttl.unwrap_or(0),
            "refresh_token": refresh,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "session_state": session_id,
            "scope": scope,
        });
        if scope.split(' ').any(|s| s == "openid") {
            answer["id_token"] =
                Value::String(self.jwt_with_typ("ID", client_id, &scope, session_id, Some(ttl)));
        }
        answer
    }

    fn jwt(
        &self,
        kind: Kind,
        client_id: &str,
        scope: &str,
        session_id: &str,
        ttl: Option<u64>,
    ) -> String {
        self.jwt_with_typ(kind.typ(), client_id, scope, session_id, ttl)
    }

    /// A JWT-shaped token: real header and claims, a random signature.
    fn jwt_with_typ(
        &self,
        typ: &str,
        client_id: &str,
        scope: &str,
        session_id: &str,
        ttl: Option<u64>,
    ) -> String {
        let iat = unix_now();
        let mut claims = json!({
            "iat": iat,
            "jti": token::random_uuid(),
            "iss": self.realm_url(),
            "sub": USER_SUB,
            "typ": typ,
            "azp": client_id,
            "sid": session_id,
            "scope": scope,
            "preferred_username": self.opts.user,
        });
        // Offline tokens have no `exp`, as Keycloak's do not.
        if let Some(ttl) = ttl {
            claims["exp"] = json!(iat + ttl);
        }
        if typ == "Bearer" || typ == "ID" {
            claims["email"] = json!(self.opts.user);
        }
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": "simcred-sandbox"});
        format!(
            "{}.{}.{}",
            token::base64url(header.to_string().as_bytes()),
            token::base64url(claims.to_string().as_bytes()),
            token::base64url(&token::random_bytes(32)),
        )
    }

    /// Whether `bearer` is a live access token.
    fn access_ok(&self, bearer: &str, need_session: bool) -> bool {
        let now = Instant::now();
        let state = self.state();
        state.tokens.get(bearer).is_some_and(|t| {
            t.kind == Kind::Access
                && !t.revoked
                && !t.expired(now)
                && (!need_session || state.sessions.get(&t.session).is_some_and(|s| s.active))
        })
    }

    // ----- the realm -----

    fn realm(&self, req: &Request, rest: &str) -> Response {
        const OIDC: &str = "/protocol/openid-connect";
        let path = rest.trim_end_matches('/');
        let post = req.method == "POST";
        match path {
            "" if req.is_get() => self.realm_info(),
            "/.well-known/openid-configuration" if req.is_get() => self.discovery(),
            "/device" if req.is_get() => self.device_page(req),
            "/device/approve" if post => self.device_decision(req, DeviceStatus::Approved),
            "/device/deny" if post => self.device_decision(req, DeviceStatus::Denied),
            _ => match path.strip_prefix(OIDC) {
                Some("/auth") if req.is_get() => Response::html_page(
                    400,
                    "SimAI sandbox",
                    "<p>This sandbox realm does not offer the browser (authorization code) \
                     login. Use the device flow or the password grant.</p>",
                ),
                Some("/auth/device") if post => self.device_authorization(req),
                Some("/token") if post => self.token(req),
                Some("/revoke") if post => self.revoke(req),
                Some("/logout") if post => self.logout(req),
                Some("/userinfo") if req.is_get() || post => self.userinfo(req),
                Some("/auth" | "/userinfo") => method_not_allowed("GET, POST"),
                Some("/auth/device" | "/token" | "/revoke" | "/logout") => {
                    method_not_allowed("POST")
                }
                _ => match path {
                    "" | "/.well-known/openid-configuration" | "/device" => {
                        method_not_allowed("GET")
                    }
                    "/device/approve" | "/device/deny" => method_not_allowed("POST"),
                    _ => oauth_error(
                        404,
                        "not_found",
                        "Unable to find matching target resource method",
                    ),
                },
            },
        }
    }

    fn realm_info(&self) -> Response {
        let realm = self.realm_url();
        Response::json(
            200,
            &json!({
                "realm": "simai",
                "token-service": format!("{realm}/protocol/openid-connect"),
                "account-service": format!("{realm}/account"),
                "tokens-not-before": 0,
            }),
        )
    }

    fn discovery(&self) -> Response {
        let realm = self.realm_url();
        let oidc = format!("{realm}/protocol/openid-connect");
        Response::json(
            200,
            &json!({
                "issuer": realm,
                "authorization_endpoint": format!("{oidc}/auth"),
                "token_endpoint": format!("{oidc}/token"),
                "device_authorization_endpoint": format!("{oidc}/auth/device"),
                "revocation_endpoint": format!("{oidc}/revoke"),
                "end_session_endpoint": format!("{oidc}/logout"),
                "userinfo_endpoint": format!("{oidc}/userinfo"),
                "grant_types_supported": ["password", "refresh_token", DEVICE_GRANT],
                "response_types_supported": ["code"],
                "scopes_supported": KNOWN_SCOPES,
                "token_endpoint_auth_methods_supported": ["none"],
                "revocation_endpoint_auth_methods_supported": ["none"],
            }),
        )
    }

    fn device_authorization(&self, req: &Request) -> Response {
        let (form, client_id) = match client_form(req) {
            Ok(found) => found,
            Err(response) => return response,
        };
        let now = Instant::now();
        let mut state = self.state();
        let user_code = loop {
            let code = token::random_user_code();
            let taken = state.devices.iter().any(|d| {
                d.status == DeviceStatus::Pending
                    && !d.expired(now)
                    && normalize_user_code(&d.user_code) == normalize_user_code(&code)
            });
            if !taken {
                break code;
            }
        };
        let device_code = token::random_hex(32);
        state.device_requests.push(client_id);
        state.devices.push(Device {
            device_code: device_code.clone(),
            user_code: user_code.clone(),
            client_id,
            scope: form.get("scope").unwrap_or_default().to_owned(),
            created: now,
            expires_at: now + Duration::from_secs(self.opts.device_expires_in),
            status: DeviceStatus::Pending,
            last_poll: None,
        });
        let verification_uri = format!("{}/device", self.realm_url());
        Response::json(
            200,
            &json!({
                "device_code": device_code,
                "user_code": user_code,
                "verification_uri_complete": format!("{verification_uri}?user_code={user_code}"),
                "verification_uri": verification_uri,
                "expires_in": self.opts.device_expires_in,
                "interval": self.opts.device_interval,
            }),
        )
    }

    fn token(&self, req: &Request) -> Response {
        self.state().token_requests.push(Instant::now());
        let (form, client_id) = match client_form(req) {
            Ok(found) => found,
            Err(response) => return response,
        };
        match form.non_empty("grant_type") {
            None => oauth_error(400, "invalid_request", "Missing form parameter: grant_type"),
            Some(DEVICE_GRANT) => self.device_grant(&form, client_id),
            Some("password") => self.password_grant(&form, client_id),
            Some("refresh_token") => self.refresh_grant(&form, client_id),
            Some(_) => oauth_error(400, "unsupported_grant_type", "Unsupported grant_type"),
        }
    }

    fn device_grant(&self, form: &Form, client_id: &'static str) -> Response {
        let Some(device_code) = form.non_empty("device_code") else {
            return oauth_error(400, "invalid_request", "Missing parameter: device_code");
        };
        let now = Instant::now();
        let interval = Duration::from_secs(self.opts.device_interval);
        let mut guard = self.state();
        let state = &mut *guard;
        let Some(device) = state.devices.iter_mut().find(|d| {
            d.device_code == device_code
                && d.client_id == client_id
                && d.status != DeviceStatus::Consumed
        }) else {
            return oauth_error(400, "invalid_grant", "Device code not valid");
        };
        let too_soon = device
            .last_poll
            .is_some_and(|last| now.duration_since(last) < interval);
        if state.slow_down_forever || too_soon {
            return oauth_error(400, "slow_down", "Slow down");
        }
        device.last_poll = Some(now);
        if device.expired(now) {
            return oauth_error(400, "expired_token", "Device code is expired");
        }
        match device.status {
            DeviceStatus::Pending => oauth_error(
                400,
                "authorization_pending",
                "The authorization request is still pending",
            ),
            DeviceStatus::Denied => oauth_error(
                400,
                "access_denied",
                "The end user denied the authorization request",
            ),
            DeviceStatus::Approved | DeviceStatus::Consumed => {
                device.status = DeviceStatus::Consumed;
                let scope = device.scope.clone();
                state.last_device_token = Some(now);
                Response::json(200, &self.issue(state, client_id, &scope))
            }
        }
    }

    fn password_grant(&self, form: &Form, client_id: &'static str) -> Response {
        let user_ok = form
            .get("username")
            .is_some_and(|u| u.eq_ignore_ascii_case(&self.opts.user));
        let password_ok = form.get("password") == Some(self.opts.password.as_str());
        let totp_ok = self
            .opts
            .totp
            .as_deref()
            .is_none_or(|code| form.get("totp") == Some(code));
        if !(user_ok && password_ok && totp_ok) {
            return oauth_error(401, "invalid_grant", "Invalid user credentials");
        }
        let scope = form.get("scope").unwrap_or_default();
        let mut state = self.state();
        Response::json(200, &self.issue(&mut state, client_id, scope))
    }

    fn refresh_grant(&self, form: &Form, client_id: &'static str) -> Response {
        let Some(presented) = form.non_empty("refresh_token") else {
            return oauth_error(400, "invalid_request", "Missing parameter: refresh_token");
        };
        let now = Instant::now();
        let mut state = self.state();
        let session_id = match check_refresh_token(&state, presented, client_id, now) {
            Ok(id) => id,
            Err(response) => return response,
        };
        let offline = state.sessions.get(&session_id).is_some_and(|s| s.offline);
        if offline {
            state.record_consent(client_id);
        }
        let keep = (!self.opts.rotate_refresh_tokens).then_some(presented);
        Response::json(200, &self.answer(&mut state, &session_id, keep))
    }

    fn revoke(&self, req: &Request) -> Response {
        let (form, client_id) = match client_form(req) {
            Ok(found) => found,
            Err(response) => return response,
        };
        let Some(presented) = form.non_empty("token") else {
            return oauth_error(400, "invalid_request", "Token not provided");
        };
        let mut guard = self.state();
        let state = &mut *guard;
        // RFC 7009 §2.2: an unknown (or already dead) token is no error.
        let Some(token) = state.tokens.get_mut(presented) else {
            return Response::empty(200);
        };
        let owner = state.sessions.get(&token.session).map(|s| s.client_id);
        if owner != Some(client_id) {
            return oauth_error(400, "invalid_request", "Unmatching clients");
        }
        if token.kind == Kind::Access {
            token.revoked = true;
        } else {
            let session = token.session.clone();
            state.end_session(&session);
        }
        Response::empty(200)
    }

    fn logout(&self, req: &Request) -> Response {
        let (form, client_id) = match client_form(req) {
            Ok(found) => found,
            Err(response) => return response,
        };
        let Some(presented) = form.non_empty("refresh_token") else {
            return oauth_error(400, "invalid_request", "Missing parameter: refresh_token");
        };
        let mut state = self.state();
        match check_refresh_token(&state, presented, client_id, Instant::now()) {
            Ok(session_id) => {
                state.end_session(&session_id);
                Response::empty(204)
            }
            Err(response) => response,
        }
    }

    fn userinfo(&self, req: &Request) -> Response {
        match bearer(req) {
            Some(token) if self.access_ok(token, true) => Response::json(
                200,
                &json!({
                    "sub": USER_SUB,
                    "preferred_username": self.opts.user,
                    "email": self.opts.user,
                    "email_verified": true,
                }),
            ),
            _ => oauth_error(401, "invalid_token", "Token verification failed").with_header(
                "WWW-Authenticate",
                "Bearer realm=\"simai\", error=\"invalid_token\", \
                 error_description=\"Token verification failed\"",
            ),
        }
    }

    // ----- the device page -----

    fn device_page(&self, req: &Request) -> Response {
        let query = req.query_params();
        let Some(user_code) = query.non_empty("user_code") else {
            return Response::html_page(
                200,
                "Device login",
                &format!(
                    "<p>Enter the code that SimCred (or the SimAI SDK) shows you.</p>\n\
                     <form method=\"get\" action=\"{REALM_PATH}/device\">\n\
                     <label for=\"user_code\">Code</label>\n\
                     <input id=\"user_code\" name=\"user_code\" autocomplete=\"off\" autofocus>\n\
                     <button type=\"submit\">Continue</button>\n</form>"
                ),
            );
        };
        let now = Instant::now();
        let mut state = self.state();
        let Some(device) = state.device_by_user_code(user_code) else {
            return invalid_code_page(user_code);
        };
        if device.expired(now) {
            return invalid_code_page(user_code);
        }
        if device.status != DeviceStatus::Pending {
            return Response::html_page(
                400,
                "Device login",
                "<p>This code has already been used. Start the login again in SimCred.</p>",
            );
        }
        let code = escape_html(&device.user_code);
        let client = escape_html(device.client_id);
        let offline = device.scope.split(' ').any(|s| s == "offline_access");
        Response::html_page(
            200,
            "Device login",
            &format!(
                "<p>Signed in to the SimAI sandbox as <strong>{user}</strong>.</p>\n\
                 <p>The application <strong id=\"client-id\">{client}</strong> asks to use your \
                 SimAI account{offline}.</p>\n\
                 <p>Check that it shows this code: <code id=\"user-code\">{code}</code></p>\n\
                 <form method=\"post\" action=\"{REALM_PATH}/device/approve\">\n\
                 <input type=\"hidden\" name=\"user_code\" value=\"{code}\">\n\
                 <button type=\"submit\">Approve</button>\n</form>\n\
                 <form method=\"post\" action=\"{REALM_PATH}/device/deny\">\n\
                 <input type=\"hidden\" name=\"user_code\" value=\"{code}\">\n\
                 <button type=\"submit\">Deny</button>\n</form>",
                user = escape_html(&self.opts.user),
                offline = if offline {
                    ", including offline access (a long-lived token you can revoke later)"
                } else {
                    ""
                },
            ),
        )
    }

    fn device_decision(&self, req: &Request, status: DeviceStatus) -> Response {
        let form = req.form_body();
        let user_code = form.get("user_code").unwrap_or_default();
        if !self.decide(user_code, status) {
            return invalid_code_page(user_code);
        }
        if status == DeviceStatus::Approved {
            Response::html_page(
                200,
                "Device approved",
                "<p>Device approved. You can return to SimCred.</p>",
            )
        } else {
            Response::html_page(200, "Access denied", "<p>Access denied.</p>")
        }
    }

    // ----- the API -----

    fn api(&self, req: &Request, rest: &str) -> Response {
        const CONSENTS: &str = "/users/offline-tokens";
        const MANIFEST: &str = "/model/manifest/public";
        const OPTIMIZATIONS: &str = "/server-side-optimizations";
        let path = rest.trim_end_matches('/');
        match path {
            "" | "/info" if req.is_get() => Response::json(200, &json!({"version": "sandbox"})),
            "" | "/info" => api_method_not_allowed("GET"),
            CONSENTS if req.is_get() => match self.api_auth(req) {
                Ok(()) => Response::json(200, &self.state().consents_json()),
                Err(response) => response,
            },
            CONSENTS => api_method_not_allowed("GET"),
            "/workspaces" if req.is_get() => match self.api_auth(req) {
                Ok(()) => Response::json(200, &json!([workspace_json()]))
                    .with_header("X-Pagination", r#"{"total": 1, "total_pages": 1}"#),
                Err(response) => response,
            },
            "/workspaces" => api_method_not_allowed("GET"),
            _ if path.starts_with("/workspaces/") && path.ends_with(OPTIMIZATIONS) => {
                if req.method != "POST" {
                    return api_method_not_allowed("POST");
                }
                if let Err(response) = self.api_auth(req) {
                    return response;
                }
                let ws = &path["/workspaces/".len()..path.len() - OPTIMIZATIONS.len()];
                if percent_decode(ws, false) != WORKSPACE.0 {
                    return api_error(404, "Workspace not found");
                }
                self.server_side_optimization(req)
            }
            _ if path.starts_with("/workspaces/") && path.ends_with(MANIFEST) => {
                if !req.is_get() {
                    return api_method_not_allowed("GET");
                }
                if let Err(response) = self.api_auth(req) {
                    return response;
                }
                let ws = &path["/workspaces/".len()..path.len() - MANIFEST.len()];
                if percent_decode(ws, false) == WORKSPACE.0 {
                    Response::json(200, &self.manifest_json())
                } else {
                    api_error(404, "Workspace not found")
                }
            }
            _ if path.starts_with("/geometries/") => {
                if !req.is_get() {
                    return api_method_not_allowed("GET");
                }
                if let Err(response) = self.api_auth(req) {
                    return response;
                }
                let wanted = percent_decode(path.trim_start_matches("/geometries/"), false);
                if wanted == GEOMETRY.0 {
                    Response::json(200, &geometry_json())
                } else {
                    api_error(404, &format!("Geometry {wanted} not found"))
                }
            }
            _ if path.starts_with("/workspaces/") => {
                if !req.is_get() {
                    return api_method_not_allowed("GET");
                }
                if let Err(response) = self.api_auth(req) {
                    return response;
                }
                let wanted = path.trim_start_matches("/workspaces/");
                let wanted = percent_decode(wanted.strip_prefix("name/").unwrap_or(wanted), false);
                if wanted == WORKSPACE.0 || wanted == WORKSPACE.1 {
                    Response::json(200, &workspace_json())
                } else {
                    api_error(404, &format!("Workspace {wanted} not found"))
                }
            }
            _ => match path
                .strip_prefix(CONSENTS)
                .and_then(|p| p.strip_prefix('/'))
            {
                Some(id) if !id.contains('/') && req.method == "DELETE" => {
                    if let Err(response) = self.api_auth(req) {
                        return response;
                    }
                    self.delete_consent(&percent_decode(id, false))
                }
                Some(id) if !id.contains('/') => api_method_not_allowed("DELETE"),
                _ => api_error(404, "Not found"),
            },
        }
    }

    /// The workspace's public model manifest, as the SDK reads it before an optimisation.
    fn manifest_json(&self) -> Value {
        let version = self
            .state()
            .coreml_version
            .clone()
            .unwrap_or_else(|| DEFAULT_COREML_VERSION.to_owned());
        json!({
            "model_name": "sandbox-wing-model",
            "coreml_version": version,
            "feature_flags": ["server_side_optimization"],
            "description": "The sandbox's model",
            "boundary_conditions": {"VelocityX": {}},
            "physical_quantities": {},
            "post_processings": [],
        })
    }

    /// `POST workspaces/{id}/server-side-optimizations`: the body's `offline_token` must be a
    /// live offline token (the server runs the job on the user's behalf with it), of the client
    /// the model's coreml version needs.
    fn server_side_optimization(&self, req: &Request) -> Response {
        let Some(body) = req.json_body() else {
            return api_error(400, "Expected a JSON body");
        };
        let Some(offline) = body.get("offline_token").and_then(Value::as_str) else {
            return api_error(400, "offline_token is required");
        };
        if body.get("geometry").and_then(Value::as_str) != Some(GEOMETRY.0) {
            return api_error(404, "Geometry not found");
        }
        let now = Instant::now();
        let mut state = self.state();
        let version = state
            .coreml_version
            .clone()
            .unwrap_or_else(|| DEFAULT_COREML_VERSION.to_owned());
        let live = state.tokens.get(offline).and_then(|t| {
            let session = state.sessions.get(&t.session)?;
            (t.kind == Kind::Offline && !t.revoked && !t.expired(now) && session.active)
                .then_some(session.client_id)
        });
        let Some(client) = live else {
            return api_error(401, "The offline token is not valid");
        };
        if let Some(needed) = client_for_coreml(&version) {
            if needed != client {
                return api_error(
                    403,
                    &format!(
                        "This model (coreml {version}) only works with an offline token of client {needed}, not {client}"
                    ),
                );
            }
        }
        state.optimizations += 1;
        let n = state.optimizations;
        Response::json(
            200,
            &json!({
                "id": format!("opt-demo-{n:04}"),
                "state": "successful",
                "workspace_id": WORKSPACE.0,
                "geometry": GEOMETRY.0,
                "offline_token_client": client,
                "iteration_results": [],
            }),
        )
    }

    /// The API's checks: a live Bearer access token, then the organization.
    fn api_auth(&self, req: &Request) -> Result<(), Response> {
        if !bearer(req).is_some_and(|t| self.access_ok(t, false)) {
            return Err(api_error(401, "Unauthorized"));
        }
        if req.header("x-org") != Some(self.opts.organization.as_str()) {
            return Err(api_error(403, "Organization not found"));
        }
        Ok(())
    }

    fn delete_consent(&self, client_id: &str) -> Response {
        let mut guard = self.state();
        let state = &mut *guard;
        let Some((&client, _)) = state.consents.get_key_value(client_id) else {
            return api_error(
                404,
                &format!("No offline token found for client {client_id}"),
            );
        };
        let sessions: Vec<String> = state
            .sessions
            .iter()
            .filter(|(_, s)| s.offline && s.active && s.client_id == client)
            .map(|(id, _)| id.clone())
            .collect();
        for id in sessions {
            state.end_session(&id);
        }
        state.consents.remove(client);
        Response::empty(204)
    }
}

impl Vendor for Simai {
    fn name(&self) -> &'static str {
        "simai"
    }

    fn handle(&self, req: &Request) -> Option<Response> {
        if let Some(rest) = below(&req.path, REALM_PATH) {
            return Some(self.realm(req, rest));
        }
        below(&req.path, API_PREFIX).map(|rest| self.api(req, rest))
    }

    fn control(&self, req: &Request, rest: &str) -> Option<Response> {
        let post = req.method == "POST";
        let user_code = || {
            req.json_body().and_then(|v| {
                v.get("user_code")
                    .and_then(|c| c.as_str().map(str::to_owned))
            })
        };
        let decided = |ok: bool| {
            if ok {
                Response::empty(204)
            } else {
                Response::error(404, "No pending device authorization with this user code")
            }
        };
        Some(match rest {
            "approve" | "deny" if post => match user_code() {
                Some(code) if rest == "approve" => decided(self.approve(&code)),
                Some(code) => decided(self.deny(&code)),
                None => Response::error(400, "Expected a JSON body {\"user_code\": \"...\"}"),
            },
            "approve-latest" if post => match self.approve_latest() {
                Some(code) => Response::json(200, &json!({ "user_code": code })),
                None => Response::error(404, "No pending device authorization"),
            },
            "legacy-offline-token" if post => Response::json(
                200,
                &json!({ "offline_token": self.mint_legacy_offline_token() }),
            ),
            "slow-down-forever" if post => {
                match req.json_body().and_then(|v| v.get("on")?.as_bool()) {
                    Some(on) => {
                        self.set_slow_down_forever(on);
                        Response::empty(204)
                    }
                    None => Response::error(400, "Expected a JSON body {\"on\": true|false}"),
                }
            }
            "access-token-ttl" if post => {
                match req.json_body().and_then(|v| v.get("seconds")?.as_u64()) {
                    Some(seconds) if seconds > 0 => {
                        self.set_access_token_ttl(seconds);
                        Response::empty(204)
                    }
                    _ => Response::error(400, "Expected a JSON body {\"seconds\": N} with N > 0"),
                }
            }
            "coreml-version" if post => {
                match req.json_body().and_then(|v| v.get("version").cloned()) {
                    Some(Value::String(v)) => {
                        self.set_coreml_version(Some(&v));
                        Response::empty(204)
                    }
                    Some(Value::Null) => {
                        self.set_coreml_version(None);
                        Response::empty(204)
                    }
                    _ => Response::error(
                        400,
                        "Expected a JSON body {\"version\": \"3.16.0\"} (null: the default)",
                    ),
                }
            }
            "consents" if req.is_get() => Response::json(200, &self.state().consents_json()),
            "device-requests" if req.is_get() => {
                let clients = self.device_requests();
                Response::json(200, &json!({"count": clients.len(), "clients": clients}))
            }
            "approve"
            | "deny"
            | "approve-latest"
            | "legacy-offline-token"
            | "slow-down-forever"
            | "access-token-ttl"
            | "coreml-version" => method_not_allowed("POST"),
            "consents" | "device-requests" => method_not_allowed("GET"),
            _ => return None,
        })
    }
}

/// The demo workspace as the API shows it.
fn workspace_json() -> Value {
    json!({
        "id": WORKSPACE.0,
        "name": WORKSPACE.1,
        "description": "The sandbox's workspace",
        "model": {"id": "model-demo-0001"},
        "created_by": USER_SUB,
    })
}

/// The demo geometry as the API shows it.
fn geometry_json() -> Value {
    json!({
        "id": GEOMETRY.0,
        "name": GEOMETRY.1,
        "workspace_id": WORKSPACE.0,
        "state": "successful",
        "metadata": {},
    })
}

/// The client an offline token must belong to for a model of this coreml version, as the SDK
/// 0.4.8 decides (`_get_expected_client_id_for_coreml_model`); `None`: either.
fn client_for_coreml(version: &str) -> Option<&'static str> {
    let mut parts = version.split('.');
    let (Some(major), Some(minor), Some(patch), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(major) && digits(minor) && digits(patch)) {
        return None;
    }
    match (major.parse::<u64>().ok()?, minor.parse::<u64>().ok()?) {
        (3, 16 | 17) => Some(LEGACY_CLIENT_ID),
        (3, 18 | 19) => Some(CLIENT_ID),
        _ => None,
    }
}

/// Checks a refresh (or offline) token for `client_id`; returns its live session, or the
/// Keycloak error.
fn check_refresh_token(
    state: &State,
    presented: &str,
    client_id: &str,
    now: Instant,
) -> Result<String, Response> {
    let invalid = |description: &str| Err(oauth_error(400, "invalid_grant", description));
    let Some(token) = state.tokens.get(presented) else {
        // Unknown here (another sandbox's, say): answer from its claims, as Keycloak would
        // after checking the signature.
        return match claims(presented)
            .as_ref()
            .and_then(|c| c.get("typ")?.as_str())
        {
            Some("Offline") => invalid("Offline session not active"),
            Some("Refresh") => invalid("Session not active"),
            _ => invalid("Invalid refresh token"),
        };
    };
    let not_active = if token.kind == Kind::Offline {
        "Offline session not active"
    } else {
        "Session not active"
    };
    let session = match token.kind {
        Kind::Access => return invalid("Invalid refresh token"),
        Kind::Refresh | Kind::Offline => state.sessions.get(&token.session),
    };
    let Some(session) = session.filter(|s| s.active && !token.revoked) else {
        return invalid(not_active);
    };
    if token.expired(now) {
        return invalid("Token is not active");
    }
    if session.client_id != client_id {
        return invalid("Invalid refresh token. Token client and authorized client don't match");
    }
    Ok(token.session.clone())
}

/// The claims of a JWT-shaped token, unverified.
fn claims(token: &str) -> Option<Value> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&token::base64url_decode(payload)?).ok()
}

/// The form body of an OAuth endpoint, or the error when the body is something else.
fn form(req: &Request) -> Result<Form, Response> {
    if req.has_form_body() || req.body.is_empty() {
        Ok(req.form_body())
    } else {
        Err(oauth_error(
            415,
            "invalid_request",
            "Send the parameters as application/x-www-form-urlencoded",
        ))
    }
}

/// The public client named by `client_id`, or Keycloak's 401.
/// The form body of an OAuth request and its (known) client id, or the error to answer with.
fn client_form(req: &Request) -> Result<(Form, &'static str), Response> {
    let form = form(req)?;
    let client_id = client(&form)?;
    Ok((form, client_id))
}

fn client(form: &Form) -> Result<&'static str, Response> {
    match form.get("client_id") {
        Some(CLIENT_ID) => Ok(CLIENT_ID),
        Some(LEGACY_CLIENT_ID) => Ok(LEGACY_CLIENT_ID),
        _ => Err(oauth_error(
            401,
            "invalid_client",
            "Invalid client or Invalid client credentials",
        )),
    }
}

/// The token of an `Authorization: Bearer` header.
fn bearer(req: &Request) -> Option<&str> {
    let value = req.header("authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The scope string granted for `requested`: the known scopes asked for, in order, then the
/// defaults.
fn granted_scope(requested: &str) -> String {
    let mut granted: Vec<&str> = Vec::new();
    for scope in requested
        .split(' ')
        .chain(DEFAULT_SCOPES)
        .filter(|s| KNOWN_SCOPES.contains(s))
    {
        if !granted.contains(&scope) {
            granted.push(scope);
        }
    }
    granted.join(" ")
}

/// A user code reduced to its letters, upper-cased, so that `abcd efgh` matches `ABCD-EFGH`.
fn normalize_user_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn invalid_code_page(user_code: &str) -> Response {
    let shown: String = user_code.chars().take(32).collect();
    Response::html_page(
        400,
        "Device login",
        &format!(
            "<p>The code <code>{}</code> is not valid or has expired. Start the login again in \
             SimCred.</p>",
            escape_html(&shown)
        ),
    )
}

/// Keycloak's error shape.
fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    Response::json(
        status,
        &json!({ "error": error, "error_description": description }),
    )
}

/// The SimAI API's error shape.
fn api_error(status: u16, message: &str) -> Response {
    Response::json(status, &json!({ "message": message }))
}

fn api_method_not_allowed(allow: &str) -> Response {
    api_error(405, "Method not allowed").with_header("Allow", allow)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `2025-01-31T12:34:56.789+00:00`: RFC 3339 with an explicit offset, which Python's
/// `datetime.fromisoformat` (which the SDK uses) reads in every version.
fn iso8601(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_iso8601() {
        let at = |secs: u64, millis: u64| {
            iso8601(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis))
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000+00:00");
        assert_eq!(at(951_782_400, 5), "2000-02-29T00:00:00.005+00:00");
        assert_eq!(at(1_735_689_599, 999), "2024-12-31T23:59:59.999+00:00");
        assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00.000+00:00");
    }

    #[test]
    fn grants_known_scopes_and_the_defaults() {
        assert_eq!(granted_scope(""), "profile email");
        assert_eq!(
            granted_scope("openid offline_access"),
            "openid offline_access profile email"
        );
        assert_eq!(granted_scope("email bogus  openid"), "email openid profile");
    }

    #[test]
    fn user_codes_match_loosely() {
        assert_eq!(normalize_user_code("abcd-efgh"), "ABCDEFGH");
        assert_eq!(normalize_user_code(" ABCD EFGH "), "ABCDEFGH");
        assert_eq!(normalize_user_code("--"), "");
    }

    #[test]
    fn tokens_are_jwt_shaped() {
        let simai = Simai::new(SimaiOptions::default());
        simai.set_origin("http://127.0.0.1:1".to_owned());
        let token = simai.mint_legacy_offline_token();
        assert_eq!(token.split('.').count(), 3);
        let c = claims(&token).unwrap();
        assert_eq!(c["typ"], "Offline");
        assert_eq!(c["azp"], "sdk");
        assert_eq!(c["iss"], "http://127.0.0.1:1/auth/realms/simai");
        assert_eq!(c["preferred_username"], "demo@example.com");
        assert!(c.get("exp").is_none(), "offline tokens do not expire");
        let header: Value = serde_json::from_slice(
            &token::base64url_decode(token.split('.').next().unwrap()).unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], "RS256");
        assert_eq!(simai.consents(), [("sdk".to_owned(), 1)]);
    }

    #[test]
    fn coreml_versions_pick_the_client_as_the_sdk_does() {
        assert_eq!(client_for_coreml("3.16.0"), Some("sdk"));
        assert_eq!(client_for_coreml("3.17.9"), Some("sdk"));
        assert_eq!(client_for_coreml("3.18.0"), Some("com.ansys.simai.sdk"));
        assert_eq!(client_for_coreml("3.19.2"), Some("com.ansys.simai.sdk"));
        for either in [
            "3.15.0", "3.20.0", "2.99.0", "4.16.0", "3.16", "3.16.0.1", "x.16.0", "",
        ] {
            assert_eq!(client_for_coreml(either), None, "{either}");
        }
    }

    #[test]
    fn options_debug_redacts_secrets() {
        let opts = SimaiOptions {
            totp: Some("123456".into()),
            ..SimaiOptions::default()
        };
        let shown = format!("{opts:?}");
        assert!(!shown.contains("demo-password") && !shown.contains("123456"));
        assert!(shown.contains("demo@example.com"));
    }
}
