//! A loopback "fake cloud" that speaks the simulation vendors' real protocols, for SimCred's
//! integration tests (which drive the `simcred` binary over real HTTP) and for a demo mode that
//! needs no account.
//!
//! The server binds `127.0.0.1` only and refuses (403) any request whose `Host` is not a loopback
//! name or address, or whose `Origin` is not a loopback origin, so a web page cannot reach it
//! through DNS rebinding. Besides the vendors' endpoints it serves control endpoints under
//! `/_sandbox/` (never faulted): `GET health`, `POST fault`, and per-vendor ones such as
//! `POST modelon/keys`, `POST modelon/regenerate` or `POST simai/approve-latest`.
//!
//! Vendors served: Modelon Impact (directly and behind a JupyterHub front) and Ansys SimAI (its
//! Keycloak realm, with the device flow, password + TOTP, offline tokens and revocation, and the
//! API's consent endpoints).
//!
//! ```no_run
//! use simcred_sandbox::{Fault, Sandbox, SandboxOptions, SimaiOptions};
//!
//! let sandbox = Sandbox::start_with(
//!     SandboxOptions {
//!         modelon_keys: vec!["demo-key".into()],
//!         ..SandboxOptions::default()
//!     },
//!     SimaiOptions {
//!         device_interval: 1,
//!         ..SimaiOptions::default()
//!     },
//! )?;
//! println!("point the client at {}", sandbox.modelon_url());
//! println!("a SimAI profile's url: {}", sandbox.simai_api_url());
//! // ...the client starts a device login; approve it as the user would:
//! let _user_code = sandbox.approve_latest_simai_device();
//! sandbox.set_fault(Fault::ServerError); // every vendor request now gets a 500
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Layout: `server` holds what every vendor shares (listening, guard, faults, control, routing);
//! each vendor is one module implementing `server::Vendor` (`modelon`, `simai`).

mod http;
mod modelon;
mod server;
mod simai;
mod token;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

pub use server::{Fault, REDIRECT_ORIGIN};
pub use simai::{
    SimaiOptions, CLIENT_ID as SIMAI_CLIENT_ID, DEFAULT_COREML_VERSION as SIMAI_DEFAULT_COREML,
    LEGACY_CLIENT_ID as SIMAI_LEGACY_CLIENT_ID,
};

use modelon::Modelon;
use server::Server;
use simai::Simai;

/// How to start a [`Sandbox`].
#[derive(Clone, Default)]
pub struct SandboxOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Modelon Impact keys valid from the start.
    pub modelon_keys: Vec<String>,
}

impl fmt::Debug for SandboxOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxOptions")
            .field("port", &self.port)
            .field(
                "modelon_keys",
                &format_args!("<{} redacted>", self.modelon_keys.len()),
            )
            .finish()
    }
}

/// A running sandbox. Dropping it shuts the server down and joins its threads, promptly even
/// while requests hang.
pub struct Sandbox {
    modelon: Arc<Modelon>,
    simai: Arc<Simai>,
    server: Server,
}

impl Sandbox {
    /// Binds `127.0.0.1:{opts.port}` and starts serving, with SimAI's defaults
    /// ([`SimaiOptions::default`]).
    ///
    /// # Errors
    /// When the port cannot be bound (in use, or no permission) or a thread cannot be spawned.
    pub fn start(opts: SandboxOptions) -> std::io::Result<Sandbox> {
        Sandbox::start_with(opts, SimaiOptions::default())
    }

    /// Like [`Sandbox::start`], with SimAI's behaviour set by `simai`.
    ///
    /// # Errors
    /// When the port cannot be bound (in use, or no permission) or a thread cannot be spawned.
    pub fn start_with(opts: SandboxOptions, simai: SimaiOptions) -> std::io::Result<Sandbox> {
        let modelon = Arc::new(Modelon::new(opts.modelon_keys));
        let simai = Arc::new(Simai::new(simai));
        let server = Server::start(opts.port, vec![modelon.clone(), simai.clone()])?;
        simai.set_origin(format!("http://{}", server.addr()));
        Ok(Sandbox {
            modelon,
            simai,
            server,
        })
    }

    /// The bound address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// The direct Modelon Impact server: `{url}/modelon/`.
    #[must_use]
    pub fn modelon_url(&self) -> String {
        format!("{}{}/", self.url(), modelon::DIRECT_PREFIX)
    }

    /// The same Impact server behind a JupyterHub front: `{url}/hub-modelon/`.
    #[must_use]
    pub fn modelon_hub_url(&self) -> String {
        format!("{}{}/", self.url(), modelon::HUB_PREFIX)
    }

    /// Makes `key` a valid Modelon key (the others stay valid).
    pub fn add_modelon_key(&self, key: &str) {
        self.modelon.add_key(key);
    }

    /// Regenerate-and-replace: every old Modelon key dies; returns the new, only valid key.
    pub fn regenerate_modelon_key(&self) -> String {
        self.modelon.regenerate()
    }

    /// The SimAI API base, `{url}/v2/`: what a SimAI profile's `url` is set to.
    #[must_use]
    pub fn simai_api_url(&self) -> String {
        format!("{}{}/", self.url(), simai::API_PREFIX)
    }

    /// SimAI's Keycloak realm, `{url}/auth/realms/simai` (no trailing slash), which is
    /// `urljoin(simai_api_url, "/auth/realms/simai")`.
    #[must_use]
    pub fn simai_realm_url(&self) -> String {
        format!("{}{}", self.url(), simai::REALM_PATH)
    }

    /// Approves the pending, unexpired SimAI device login showing `user_code` (matched on its
    /// letters, case-insensitively), as the user's browser would; false when there is none.
    pub fn approve_simai_device(&self, user_code: &str) -> bool {
        self.simai.approve(user_code)
    }

    /// Denies the pending, unexpired SimAI device login showing `user_code`; false when there
    /// is none.
    pub fn deny_simai_device(&self, user_code: &str) -> bool {
        self.simai.deny(user_code)
    }

    /// Approves the most recent pending SimAI device login; returns its user code, or `None`
    /// when none is pending.
    pub fn approve_latest_simai_device(&self) -> Option<String> {
        self.simai.approve_latest()
    }

    /// A SimAI offline token of the legacy client `sdk` (its `azp`), as old SDKs minted them:
    /// it refreshes only with `client_id=sdk`. Records a consent for `sdk`.
    pub fn mint_legacy_offline_token(&self) -> String {
        self.simai.mint_legacy_offline_token()
    }

    /// While on, every SimAI device-code poll is answered `slow_down`.
    pub fn set_simai_slow_down_forever(&self, on: bool) {
        self.simai.set_slow_down_forever(on);
    }

    /// SimAI's offline-access consents, by client id, each with its number of live offline
    /// sessions (one per login; the rotated tokens of one session count once).
    #[must_use]
    pub fn simai_consents(&self) -> Vec<(String, usize)> {
        self.simai.consents()
    }

    /// When a SimAI device login was last approved (by the page, a control endpoint or a method).
    #[must_use]
    pub fn simai_last_approval(&self) -> Option<Instant> {
        self.simai.last_approval()
    }

    /// When the SimAI token endpoint last gave tokens for an approved device code.
    #[must_use]
    pub fn simai_last_device_token(&self) -> Option<Instant> {
        self.simai.last_device_token()
    }

    /// When each request to SimAI's token endpoint arrived (every grant type, faulted ones
    /// excluded), oldest first.
    #[must_use]
    pub fn simai_token_requests(&self) -> Vec<Instant> {
        self.simai.token_requests()
    }

    /// The client id of each SimAI device authorization asked for so far, oldest first: a
    /// client that signed in by itself (a device login) shows up here.
    #[must_use]
    pub fn simai_device_requests(&self) -> Vec<String> {
        self.simai.device_requests()
    }

    /// Sets the `coreml_version` of the SimAI model manifest (`None`: back to the default,
    /// [`SIMAI_DEFAULT_COREML`], which takes an offline token of either client).
    pub fn set_simai_coreml_version(&self, version: Option<&str>) {
        self.simai.set_coreml_version(version);
    }

    /// Makes the vendor endpoints (not `/_sandbox/*`) misbehave; `Fault::None` heals them and
    /// releases hung requests.
    pub fn set_fault(&self, fault: Fault) {
        self.server.set_fault(fault);
    }

    /// The fault in force.
    #[must_use]
    pub fn fault(&self) -> Fault {
        self.server.fault()
    }

    /// Vendor requests received so far: every request outside `/_sandbox/` that passed the Host
    /// guard, counted on arrival (so a hung request counts while it hangs).
    #[must_use]
    pub fn request_count(&self) -> usize {
        self.server.request_count()
    }
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("url", &self.url())
            .field("fault", &self.fault())
            .finish_non_exhaustive()
    }
}
