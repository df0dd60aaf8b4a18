//! Sign-in services: `simcred login`, `offline-token`, `token`, `consents` and `logout`. Passwords
//! and one-time codes come from a no-echo prompt or standard input; the device login opens the
//! browser (or prints the URL and code).

use crate::ioutil::{confirm, open, open_browser, print_json, print_secret, read_stdin_capped};
use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use simcred_core::Secret;
use std::io::{IsTerminal, Write};

#[derive(Args)]
pub struct LoginArgs {
    pub profile: String,
    /// Sign in with user name, password and a one-time code (TOTP) instead of the browser
    #[arg(long)]
    pub password: bool,
    /// User name for --password (default: the profile's `username`, else asked)
    #[arg(long)]
    pub username: Option<String>,
    /// Do not ask for a TOTP code (accounts without two-factor authentication)
    #[arg(long)]
    pub no_totp: bool,
    /// Keep the password in the keyring (off by default)
    #[arg(long)]
    pub remember_password: bool,
    /// Do not open a browser; print the URL and code instead
    #[arg(long)]
    pub no_browser: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct OfflineTokenArgs {
    #[command(flatten)]
    pub login: LoginArgs,
    /// The client the token is for; SimCred keeps one offline token per client (SimAI:
    /// `com.ansys.simai.sdk`, the SDK's own and the default, or `sdk`, which the SDK's
    /// server-side optimisation wants on models with coreml 3.16–3.17)
    #[arg(long, value_name = "CLIENT_ID")]
    pub client: Option<String>,
}

#[derive(Args)]
pub struct TokenArgs {
    /// The profile (default: the one the project's .simcred.toml names)
    pub profile: Option<String>,
    /// With no profile named: the project file's profile of this service
    #[arg(long, conflicts_with = "profile", value_parser = crate::registry::service_parser(crate::cmd::project::signs_in))]
    pub service: Option<simcred_core::Service>,
    /// Mint a new one even if the cached one is still good
    #[arg(long)]
    pub refresh: bool,
    /// Print {"access_token", "token_type", "expires_at"} (RFC 3339) for tools that fetch a
    /// token themselves
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum ConsentsCmd {
    /// List the consents of the signed-in user
    List {
        profile: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke one client's consent (its offline tokens stop working)
    Revoke {
        profile: String,
        client_id: String,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Args)]
pub struct LogoutArgs {
    pub profile: String,
}

/// Runs `simcred login`.
pub fn sign_in(a: LoginArgs) -> Result<i32> {
    login(a, false, None)
}

/// Runs `simcred offline-token`.
pub fn offline_token(a: OfflineTokenArgs) -> Result<i32> {
    login(a.login, true, a.client.as_deref())
}

fn login(a: LoginArgs, offline: bool, client: Option<&str>) -> Result<i32> {
    let sc = open()?;
    let what = if offline { "offline token" } else { "sign-in" };
    let result = if a.password {
        let prof = sc.profile(&a.profile)?;
        let username = match a
            .username
            .or_else(|| prof.setting("username").map(String::from))
        {
            Some(u) => u,
            None => {
                if !std::io::stdin().is_terminal() {
                    bail!("pass --username (no terminal to ask on)");
                }
                eprint!("User name: ");
                std::io::stderr().flush()?;
                let mut u = String::new();
                std::io::stdin().read_line(&mut u)?;
                u.trim().to_string()
            }
        };
        let (password, totp) = if std::io::stdin().is_terminal() {
            let p = rpassword::prompt_password("Password (input hidden): ")?;
            let t = if a.no_totp {
                String::new()
            } else {
                rpassword::prompt_password("One-time code (TOTP, empty if none): ")?
            };
            (p, t)
        } else {
            // Piped: first line the password, second line the TOTP code (may be absent).
            let s = read_stdin_capped("the password")?;
            let mut lines = s.lines();
            let p = lines.next().unwrap_or("").to_string();
            let t = lines.next().unwrap_or("").to_string();
            (p, t)
        };
        let password = Secret::from_user_input(&password)
            .ok_or_else(|| anyhow::anyhow!("the password is empty"))?;
        let totp = Secret::from_user_input(&totp);
        let s = sc.password_login_for(
            &a.profile,
            &username,
            &password,
            totp.as_ref(),
            offline,
            a.remember_password,
            client,
        )?;
        // As before: the CLI keeps the user name it was given in the profile (a setting of
        // the SDK's config), for the next `login --password`.
        sc.remember_username(&a.profile, &username)?;
        s
    } else {
        let dl = sc.start_device_login_for(&a.profile, offline, client)?;
        eprintln!("Your code: {}", dl.auth.user_code);
        for r in dl.refused_urls() {
            eprintln!(
                "Not opening \"{r}\" in the browser: the identity provider sent an address that is not http(s). Be wary of this identity provider."
            );
        }
        let url = dl.shown_url();
        let can_open = !a.no_browser
            && (std::env::var_os("DISPLAY").is_some()
                || std::env::var_os("WAYLAND_DISPLAY").is_some()
                || cfg!(not(target_os = "linux")));
        let opened = match dl.browser_url() {
            Some(u) if can_open => open_browser(&u),
            _ => false,
        };
        if opened {
            eprintln!("Opened {url} in your browser: check the code and approve. Waiting… (Ctrl-C cancels)");
        } else {
            eprintln!("Open {url} in a browser (on any device), check the code and approve. Waiting… (Ctrl-C cancels)");
        }
        sc.finish_device_login(dl, &|| false)?
    };
    if a.json {
        print_json(&result)?;
    } else {
        println!(
            "Signed in to {}{}{}.",
            result.profile,
            if result.offline_token {
                "; the offline token is in the keyring"
            } else {
                ""
            },
            result
                .access_expires
                .as_deref()
                .map(|e| format!("; access token valid until {e}"))
                .unwrap_or_default()
        );
    }
    let _ = what;
    Ok(0)
}

/// Runs `simcred token`.
pub fn token(
    TokenArgs {
        profile,
        service,
        refresh,
        json,
    }: TokenArgs,
) -> Result<i32> {
    let sc = open()?;
    let profile = crate::cmd::project::profile_or_project(
        &sc,
        profile.as_deref(),
        service,
        crate::cmd::project::signs_in,
    )?;
    let t = sc.access_token(&profile, refresh)?;
    if json {
        let v = serde_json::json!({
            "access_token": t.token.expose(),
            "token_type": "Bearer",
            "expires_at": t.expires,
        });
        println!("{v}");
    } else {
        print_secret(&t.token)?;
    }
    Ok(0)
}

/// Runs `simcred consents …`.
pub fn consents(c: ConsentsCmd) -> Result<i32> {
    let sc = open()?;
    match c {
        ConsentsCmd::List { profile, json } => {
            let list = sc.consents(&profile)?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("No consents: no client holds an offline token for this account.");
            } else {
                for c in list {
                    println!(
                        "{}{}\tcreated {}\tlast used {}\t{}",
                        c.client_id,
                        if c.stored_here {
                            " (SimCred's offline token)"
                        } else {
                            ""
                        },
                        c.created_date.as_deref().unwrap_or("?"),
                        c.last_updated_date.as_deref().unwrap_or("?"),
                        c.granted_scopes.join(" ")
                    );
                }
            }
        }
        ConsentsCmd::Revoke {
            profile,
            client_id,
            yes,
        } => {
            if !yes
                && !confirm(&format!(
                    "Revoke the consent of {client_id}? Its offline tokens stop working."
                ))?
            {
                eprintln!("Nothing revoked.");
                return Ok(1);
            }
            let local = sc.revoke_consent(&profile, &client_id)?;
            println!("Revoked the consent of {client_id}.");
            if local {
                let again = if sc.default_offline_client(&profile)? == client_id {
                    format!("simcred offline-token {profile}")
                } else {
                    format!("simcred offline-token {profile} --client {client_id}")
                };
                println!("It backed SimCred's offline token of client {client_id} for {profile}, which is now deleted (its other clients' tokens are kept); run `{again}` for a new one.");
            }
        }
    }
    Ok(0)
}

/// Runs `simcred logout`.
pub fn logout(LogoutArgs { profile }: LogoutArgs) -> Result<i32> {
    let sc = open()?;
    let r = sc.logout(&profile)?;
    if let Some(e) = &r.remote_error {
        eprintln!("Could not revoke the token at the identity provider: {e}");
    }
    println!(
        "Signed out of {profile}: {} secret(s) deleted from the keyring{}.",
        r.deleted_locally,
        if r.revoked_remotely {
            ", tokens revoked at the identity provider"
        } else {
            ""
        }
    );
    Ok(0)
}
