//! A loopback "fake cloud" that speaks the simulation vendors' real protocols, for SimCred's
//! integration tests (which drive the `simcred` binary over real HTTP) and for a demo mode that
//! needs no account.
//!
//! The server binds `127.0.0.1` only and refuses (403) any request whose `Host` is not a loopback
//! name or address, or whose `Origin` is not a loopback origin, so a web page cannot reach it
//! through DNS rebinding. Besides the vendors' endpoints it serves control endpoints under
//! `/_sandbox/` (never faulted): `GET health`, `POST fault`, and per-vendor ones such as
//! `POST modelon/keys` and `POST modelon/regenerate`.
//!
//! ```no_run
//! use simcred_sandbox::{Fault, Sandbox, SandboxOptions};
//!
//! let sandbox = Sandbox::start(SandboxOptions {
//!     modelon_keys: vec!["demo-key".into()],
//!     ..SandboxOptions::default()
//! })?;
//! println!("point the client at {}", sandbox.modelon_url());
//! sandbox.set_fault(Fault::ServerError); // every vendor request now gets a 500
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Layout: `server` holds what every vendor shares (listening, guard, faults, control, routing);
//! each vendor is one module implementing `server::Vendor` (`modelon`; SimAI's Keycloak realm
//! is meant to be the next).

mod http;
mod modelon;
mod server;
mod token;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

pub use server::Fault;

use modelon::Modelon;
use server::Server;

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
    server: Server,
}

impl Sandbox {
    /// Binds `127.0.0.1:{opts.port}` and starts serving.
    ///
    /// # Errors
    /// When the port cannot be bound (in use, or no permission) or a thread cannot be spawned.
    pub fn start(opts: SandboxOptions) -> std::io::Result<Sandbox> {
        let modelon = Arc::new(Modelon::new(opts.modelon_keys));
        let server = Server::start(opts.port, vec![modelon.clone()])?;
        Ok(Sandbox { modelon, server })
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
