//! `simcred store …`: team stores on OpenBao / HashiCorp Vault (KV v2) — add one, log in (the
//! token goes to the OS keyring, never to a file), see what each holds and whether its token
//! works, log out, remove. Secrets for logins come from standard input or a no-echo prompt.

use crate::ioutil;
use anyhow::Result;
use clap::{Subcommand, ValueEnum};
use simcred_core::stores::{LoginMethod, StoreConfig, StoreKind, DEFAULT_MOUNT, DEFAULT_PREFIX};
use simcred_core::Simcred;

/// The kinds of team store.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Kind {
    /// An OpenBao server (KV v2): a team store
    Openbao,
    /// A HashiCorp Vault server (KV v2): a team store
    Vault,
    /// This user's Linux kernel keyring (keyutils): secrets only, for machines without a
    /// Secret Service (SSH sessions, CI); lost at reboot
    Kernel,
}

/// How to log in to a store.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Method {
    /// A token you already have (read from standard input or a prompt)
    Token,
    /// User name (--username) and password (standard input or a prompt)
    Userpass,
    /// AppRole: role id (--role) and secret id (standard input or a prompt)
    Approle,
    /// JWT: role (--role) and a signed identity token, e.g. a CI job's (standard input)
    Jwt,
    /// OIDC in the browser, for people: the vault's identity provider signs you in and the
    /// browser comes back to http://localhost:PORT/oidc/callback (--role: else the default)
    Oidc,
}

#[derive(Subcommand)]
pub enum StoreCmd {
    /// Add a team store: simcred store add NAME --kind openbao --addr https://bao.example:8200
    Add {
        name: String,
        #[arg(long, value_enum)]
        kind: Kind,
        /// The server's address (default: $VAULT_ADDR / $BAO_ADDR when used)
        #[arg(long)]
        addr: Option<String>,
        /// The KV v2 mount
        #[arg(long, default_value = DEFAULT_MOUNT)]
        mount: String,
        /// The path under the mount that holds SimCred's entries (one policy on it grants a team)
        #[arg(long, default_value = DEFAULT_PREFIX)]
        prefix: String,
        /// Namespace (Vault Enterprise, OpenBao namespaces)
        #[arg(long)]
        namespace: Option<String>,
        /// PEM file with the CA certificates of the server's TLS (default: $VAULT_CACERT);
        /// `system` for the system's, `unsecure-none` for no certificate checks (warned about)
        #[arg(long)]
        ca_bundle: Option<String>,
    },
    /// Log in to a store; the token is kept in the OS keyring (never in ~/.vault-token)
    Login {
        name: String,
        #[arg(long, value_enum, default_value = "token")]
        method: Method,
        /// User name for --method userpass
        #[arg(long)]
        username: Option<String>,
        /// Role (AppRole role id, the JWT role, or the OIDC role)
        #[arg(long)]
        role: Option<String>,
        /// For --method oidc: the local port the browser comes back to (the role must allow
        /// http://localhost:PORT/oidc/callback)
        #[arg(long, default_value_t = 8250)]
        callback_port: u16,
    },
    /// List the stores and the profiles in each
    List {
        #[arg(long)]
        json: bool,
    },
    /// Ask each store's vault whether the token works (policies, time left)
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Revoke the store's token at the vault and forget it here
    Logout { name: String },
    /// Remove a store that holds no profile (and its token here)
    Remove { name: String },
}

/// Says on stderr when the store's TLS certificates are not checked.
fn warn_tls(cfg: &StoreConfig) {
    if let Some(w) = cfg.tls_warning() {
        eprintln!("{w}");
    }
}

/// Runs `simcred store …`.
pub fn run(sc: &Simcred, c: StoreCmd) -> Result<i32> {
    match c {
        StoreCmd::Add {
            name,
            kind,
            addr,
            mount,
            prefix,
            namespace,
            ca_bundle,
        } => {
            let cfg = StoreConfig {
                name: name.clone(),
                kind: match kind {
                    Kind::Openbao => StoreKind::OpenBao,
                    Kind::Vault => StoreKind::Vault,
                    Kind::Kernel => StoreKind::Kernel,
                },
                addr,
                mount,
                prefix,
                namespace,
                ca_bundle,
            };
            let kernel = !cfg.kind.holds_profiles();
            sc.store_add(&cfg)?;
            warn_tls(&cfg);
            if kernel {
                println!(
                    "Added store {name}: this user's Linux kernel keyring, for secrets only (the profiles stay in profiles.toml). Its secrets are {}. Create profiles with `simcred profile add NAME --service SERVICE --store {name}`, or move one with `simcred profile move NAME --store {name}`.",
                    simcred_core::kernel::SURVIVES
                );
            } else {
                println!(
                    "Added store {name}. Log in with `simcred store login {name}`, then create profiles in it with `simcred profile add NAME --service SERVICE --store {name}`."
                );
            }
        }
        StoreCmd::Login {
            name,
            method,
            username,
            role,
            callback_port,
        } => {
            // Before anything secret is typed or sent.
            if let Ok(cfg) = sc.store_config(&name) {
                warn_tls(&cfg);
            }
            let need = |v: Option<String>, flag: &str| {
                v.ok_or_else(|| anyhow::anyhow!("--method needs {flag}"))
            };
            let how = match method {
                Method::Token => LoginMethod::Token(ioutil::read_value("the vault token")?),
                Method::Userpass => LoginMethod::Userpass {
                    username: need(username, "--username")?,
                    password: ioutil::read_value("the password")?,
                },
                Method::Approle => LoginMethod::AppRole {
                    role_id: need(role, "--role ROLE_ID")?,
                    secret_id: ioutil::read_value("the secret id")?,
                },
                Method::Jwt => LoginMethod::Jwt {
                    role: need(role, "--role")?,
                    jwt: ioutil::read_value("the identity token (JWT)")?,
                },
                Method::Oidc => {
                    let pending = sc.store_oidc_begin(&name, role.as_deref(), callback_port)?;
                    if crate::ioutil::open_browser(&pending.url) {
                        eprintln!("Sign in in the browser window that opened; waiting for it to come back…");
                    } else {
                        eprintln!("Open this page to sign in; waiting for the browser to come back…\n  {}", pending.url);
                    }
                    LoginMethod::Oidc(pending)
                }
            };
            let info = sc.store_login(&name, how)?;
            let left = if info.ttl == 0 {
                "does not expire".to_string()
            } else {
                format!("valid for {} min", info.ttl / 60)
            };
            println!(
                "Logged in to store {name} as {} (policies: {}); the token {left} and is kept in the OS keyring.",
                if info.display_name.is_empty() { "(unnamed)" } else { &info.display_name },
                info.policies.join(", ")
            );
        }
        StoreCmd::List { json: true } => {
            ioutil::print_json(&sc.store_status(false)?)?;
        }
        StoreCmd::Status { json: true } => {
            let all = sc.store_status(true)?;
            ioutil::print_json(&all)?;
            return Ok(if all.iter().any(|s| s.problem.is_some()) {
                1
            } else {
                0
            });
        }
        StoreCmd::List { .. } => {
            let all = sc.store_status(false)?;
            if all.is_empty() {
                println!("No stores yet: secrets live in the OS keyring. Add a team store with `simcred store add NAME --kind openbao --addr URL`.");
            }
            for w in all.iter().filter_map(|s| s.warning.as_deref()) {
                eprintln!("{w}");
            }
            for s in all {
                if let Some(survives) = s.survives {
                    println!(
                        "{}\t{}\t{} profile(s)\tsecrets {survives}",
                        s.config.name,
                        s.config.kind.as_str(),
                        s.profiles.len()
                    );
                    continue;
                }
                println!(
                    "{}\t{}\t{}\t{}/{}\t{} profile(s)",
                    s.config.name,
                    s.config.kind.as_str(),
                    s.config.addr.as_deref().unwrap_or("$VAULT_ADDR"),
                    s.config.mount,
                    s.config.prefix,
                    s.profiles.len()
                );
            }
        }
        StoreCmd::Status { .. } => {
            let all = sc.store_status(true)?;
            for w in all.iter().filter_map(|s| s.warning.as_deref()) {
                eprintln!("{w}");
            }
            let mut bad = false;
            for s in &all {
                match (&s.token, &s.problem) {
                    (_, Some(p)) => {
                        bad = true;
                        println!("! {}\t{p}", s.config.name);
                    }
                    (Some(t), None) => println!(
                        "  {}\tlogged in as {} (token from the {}, policies {}, {})",
                        s.config.name,
                        t.display_name,
                        s.token_from,
                        t.policies.join(", "),
                        if t.ttl == 0 {
                            "no expiry".to_string()
                        } else {
                            format!("{} min left", t.ttl / 60)
                        }
                    ),
                    (None, None) => match s.survives {
                        Some(survives) => println!("  {}\tsecrets {survives}", s.config.name),
                        None => println!("  {}", s.config.name),
                    },
                }
                if !s.profiles.is_empty() {
                    println!("      profiles: {}", s.profiles.join(", "));
                }
            }
            return Ok(if bad { 1 } else { 0 });
        }
        StoreCmd::Logout { name } => {
            if sc.store_logout(&name)? {
                println!("Logged out of store {name}: the token was revoked at the vault and deleted here.");
            } else {
                println!("Logged out of store {name}: the token is deleted here (the vault did not revoke it, or there was none).");
            }
        }
        StoreCmd::Remove { name } => {
            sc.store_remove(&name)?;
            println!("Removed store {name}.");
        }
    }
    Ok(0)
}
