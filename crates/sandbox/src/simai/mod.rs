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

mod api;
mod control;
mod helpers;
mod model;
mod realm;
mod tokens;

use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard, OnceLock};

use crate::http::{Request, Response};
use crate::server::{below, lock, Vendor};

pub use model::SimaiOptions;
use model::State;

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
        self.control_endpoint(req, rest)
    }
}
