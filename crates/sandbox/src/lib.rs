//! A loopback "fake cloud" that speaks the simulation vendors' real protocols, for SimCred's
//! integration tests (which drive the `simcred` binary over real HTTP) and for a demo mode that
//! needs no account.
//!
//! The server binds `127.0.0.1` only and refuses (403) any request whose `Host` is not a loopback
//! name or address, or whose `Origin` is not a loopback origin, so a web page cannot reach it
//! through DNS rebinding. Besides the vendors' endpoints it serves control endpoints under
//! `/_sandbox/` (never faulted): `GET health`, `POST fault`, and per-vendor ones such as
//! `POST modelon/keys`, `POST modelon/regenerate`, `POST simai/approve-latest`,
//! `GET dlubal` (the gRPC ports and CA) or `POST dlubal/keys`.
//!
//! Vendors served: Modelon Impact (directly and behind a JupyterHub front), Ansys SimAI (its
//! Keycloak realm, with the device flow, password + TOTP, offline tokens and revocation, and the
//! API's consent endpoints) and Dlubal's application gRPC API (RFEM, RSTAB and RSECTION's
//! `Application` services, as a key check and the vendor's Python client use them), which
//! listens on ports of its own: plain gRPC, and TLS with a CA made at start
//! ([`Sandbox::dlubal_port`], [`Sandbox::dlubal_tls_port`], [`Sandbox::dlubal_ca_pem`]). Faults
//! apply to the HTTP vendors only.
//!
//! ```no_run
//! use simcred_sandbox::{DlubalOptions, Fault, Sandbox, SandboxOptions, SimaiOptions};
//!
//! let sandbox = Sandbox::start_full(
//!     SandboxOptions {
//!         modelon_keys: vec!["demo-key".into()],
//!         ..SandboxOptions::default()
//!     },
//!     SimaiOptions {
//!         device_interval: 1,
//!         ..SimaiOptions::default()
//!     },
//!     DlubalOptions {
//!         keys: vec!["ak-demo".into()],
//!         ..DlubalOptions::default()
//!     },
//! )?;
//! println!("point the client at {}", sandbox.modelon_url());
//! println!("a SimAI profile's url: {}", sandbox.simai_api_url());
//! println!("RFEM/RSTAB/RSECTION on 127.0.0.1:{}", sandbox.dlubal_port());
//! // ...the client starts a device login; approve it as the user would:
//! let _user_code = sandbox.approve_latest_simai_device();
//! sandbox.set_fault(Fault::ServerError); // every vendor request now gets a 500
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Layout: `server` holds what every vendor shares (listening, guard, faults, control, routing);
//! each vendor is one module implementing `server::Vendor` (`modelon`, `simai`; `dlubal` only
//! for its control endpoints, its gRPC server is its own, with `dlubal_tls` for the certificates).

mod dlubal;
mod dlubal_tls;
mod http;
mod modelon;
mod server;
mod simai;
mod token;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

pub use dlubal::{
    INVALID_KEY as DLUBAL_INVALID_KEY, PLAN as DLUBAL_PLAN, REQUEST_LIMIT as DLUBAL_REQUEST_LIMIT,
    RESTRICTED as DLUBAL_RESTRICTED,
};
pub use server::{Fault, REDIRECT_ORIGIN};
pub use simai::{
    SimaiOptions, CLIENT_ID as SIMAI_CLIENT_ID, DEFAULT_COREML_VERSION as SIMAI_DEFAULT_COREML,
    LEGACY_CLIENT_ID as SIMAI_LEGACY_CLIENT_ID,
};

use dlubal::{Dlubal, DlubalServer};
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

/// How to start a [`Sandbox`]'s Dlubal gRPC server ([`Sandbox::start_full`]). A struct of its
/// own, so that the many `SandboxOptions { port, modelon_keys }` literals stay valid.
#[derive(Clone, Default)]
pub struct DlubalOptions {
    /// Port of the plain gRPC listener on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Port of the TLS gRPC listener on 127.0.0.1; 0 picks a free one.
    pub tls_port: u16,
    /// API keys valid from the start.
    pub keys: Vec<String>,
    /// API keys of a company whose plan does not allow API use: `PERMISSION_DENIED`.
    pub limited_keys: Vec<String>,
}

impl fmt::Debug for DlubalOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DlubalOptions")
            .field("port", &self.port)
            .field("tls_port", &self.tls_port)
            .field("keys", &format_args!("<{} redacted>", self.keys.len()))
            .field(
                "limited_keys",
                &format_args!("<{} redacted>", self.limited_keys.len()),
            )
            .finish()
    }
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

/// A running sandbox. Dropping it shuts the servers down and joins their threads, promptly even
/// while requests hang.
pub struct Sandbox {
    modelon: Arc<Modelon>,
    simai: Arc<Simai>,
    dlubal: Arc<Dlubal>,
    // Dropped in this order: the HTTP server, then the gRPC listeners.
    server: Server,
    _dlubal_server: DlubalServer,
}

impl Sandbox {
    /// Binds `127.0.0.1:{opts.port}` (and two free ports for Dlubal) and starts serving, with
    /// SimAI's and Dlubal's defaults ([`SimaiOptions::default`], [`DlubalOptions::default`]:
    /// no Dlubal key is valid until [`Sandbox::add_dlubal_key`]).
    ///
    /// # Errors
    /// When a port cannot be bound (in use, or no permission) or a thread cannot be spawned.
    pub fn start(opts: SandboxOptions) -> std::io::Result<Sandbox> {
        Sandbox::start_with(opts, SimaiOptions::default())
    }

    /// Like [`Sandbox::start`], with SimAI's behaviour set by `simai`.
    ///
    /// # Errors
    /// When a port cannot be bound (in use, or no permission) or a thread cannot be spawned.
    pub fn start_with(opts: SandboxOptions, simai: SimaiOptions) -> std::io::Result<Sandbox> {
        Sandbox::start_full(opts, simai, DlubalOptions::default())
    }

    /// Like [`Sandbox::start_with`], with Dlubal's ports and keys set by `dlubal`.
    ///
    /// # Errors
    /// When a port cannot be bound (in use, or no permission), the TLS certificates cannot be
    /// made or a thread cannot be spawned.
    pub fn start_full(
        opts: SandboxOptions,
        simai: SimaiOptions,
        dlubal: DlubalOptions,
    ) -> std::io::Result<Sandbox> {
        let (dlubal, dlubal_server) = dlubal::start(
            dlubal.port,
            dlubal.tls_port,
            dlubal.keys,
            dlubal.limited_keys,
        )?;
        let modelon = Arc::new(Modelon::new(opts.modelon_keys));
        let simai = Arc::new(Simai::new(simai));
        let server = Server::start(
            opts.port,
            vec![modelon.clone(), simai.clone(), dlubal.clone()],
        )?;
        simai.set_origin(format!("http://{}", server.addr()));
        Ok(Sandbox {
            modelon,
            simai,
            dlubal,
            server,
            _dlubal_server: dlubal_server,
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

    /// The port of the plain Dlubal gRPC listener on 127.0.0.1 (a profile's `port`, with `tls`
    /// off): RFEM, RSTAB and RSECTION all answer there.
    #[must_use]
    pub fn dlubal_port(&self) -> u16 {
        self.dlubal.port()
    }

    /// The port of the TLS Dlubal gRPC listener on 127.0.0.1, whose certificate (for `127.0.0.1`
    /// and `localhost`) is signed by [`Sandbox::dlubal_ca_pem`].
    #[must_use]
    pub fn dlubal_tls_port(&self) -> u16 {
        self.dlubal.tls_port()
    }

    /// The PEM of the CA made at start that signed the TLS listener's certificate: what a client
    /// trusts (Dlubal's `ssl_file`). Each sandbox has its own.
    #[must_use]
    pub fn dlubal_ca_pem(&self) -> &str {
        self.dlubal.ca_pem()
    }

    /// Makes `key` a good Dlubal key (the others stay valid; a limited key stops being limited).
    pub fn add_dlubal_key(&self, key: &str) {
        self.dlubal.add_key(key, false);
    }

    /// A new random Dlubal key (`ak-sandbox-…`), good from now on: what a person would copy from
    /// Dlubal's Extranet, for the demo.
    #[must_use]
    pub fn new_dlubal_key(&self) -> String {
        let key = format!("ak-sandbox-{}", token::random_hex(16));
        self.dlubal.add_key(&key, false);
        key
    }

    /// Makes `key` a Dlubal key of a company whose plan does not allow API use: its calls get
    /// `PERMISSION_DENIED` ([`DLUBAL_RESTRICTED`]).
    pub fn add_dlubal_limited_key(&self, key: &str) {
        self.dlubal.add_key(key, true);
    }

    /// Dlubal gRPC requests received so far on either listener, on any path, answered or
    /// refused: 0 proves nothing called.
    #[must_use]
    pub fn dlubal_requests(&self) -> usize {
        self.dlubal.requests()
    }

    /// Dlubal calls answered so far (a good key, within [`DLUBAL_REQUEST_LIMIT`]): the month's
    /// request count `get_subscription_info` reports.
    #[must_use]
    pub fn dlubal_api_requests_count(&self) -> usize {
        self.dlubal.counted()
    }

    /// Makes the HTTP vendor endpoints (not `/_sandbox/*`, nor Dlubal's gRPC) misbehave;
    /// `Fault::None` heals them and releases hung requests.
    pub fn set_fault(&self, fault: Fault) {
        self.server.set_fault(fault);
    }

    /// The fault in force.
    #[must_use]
    pub fn fault(&self) -> Fault {
        self.server.fault()
    }

    /// HTTP vendor requests received so far: every request outside `/_sandbox/` that passed the Host
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
            .field("dlubal_port", &self.dlubal_port())
            .field("dlubal_tls_port", &self.dlubal_tls_port())
            .field("fault", &self.fault())
            .finish_non_exhaustive()
    }
}
