//! Argument definitions (clap) and one function per verb. No credential logic lives here.

use crate::ioutil::{
    ago, confirm, open, open_browser, print_secret, read_secret, read_stdin_capped,
    report_aftercare,
};
use crate::registry;
use anyhow::{bail, Context, Result};
use clap::{Args, FromArgMatches, Parser, Subcommand};
use simcred_core::app::BackendState;
use simcred_core::{vendor, KeyMeta, Profile, Secret, Service, Simcred};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "simcred",
    version,
    about = "Keep simulation-cloud credentials in the OS keyring",
    after_help = "Environment: SIMCRED_CONFIG_DIR (config dir), SIMCRED_TIMEOUT (HTTP timeout, s, default 15), SIMCRED_KEYRING_TIMEOUT (keyring timeout, s, default 10).\nExit codes: 0 ok, 1 something needs attention (status) or the command failed, 2 usage error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create, list, show, edit and remove profiles
    #[command(subcommand)]
    Profile(ProfileCmd),
    /// Add, list, read, copy, check and manage API keys
    #[command(subcommand)]
    Key(KeyCmd),
    /// Show every profile's state and the keyring in use; exits 1 when a key is invalid or expired
    Status {
        /// Print JSON
        #[arg(long)]
        json: bool,
        /// Ask each service first whether the credentials work (in parallel); without it,
        /// status shows what the last check said and asks no server
        #[arg(long)]
        check: bool,
    },
    /// Run a command with the profile's credentials in its environment (and nowhere else)
    Run {
        profile: String,
        /// The key to use (default: the profile's default key)
        #[arg(long)]
        key: Option<String>,
        /// Pass the command's output through with every secret handed to it replaced by ***
        /// (as it comes, also a secret split over writes; on a terminal the command gets a
        /// pseudo-terminal of its own; under GitHub Actions also print ::add-mask:: for each
        /// secret first)
        #[arg(long)]
        mask: bool,
        /// Give the client its own config file with the offline token instead of an access token,
        /// so it refreshes by itself and a job outlives any token (services that hand over files:
        /// see below)
        #[arg(long)]
        files: bool,
        /// Say nothing when SimCred put back a vendor file the command wrote a key to (or
        /// cleaned up after an earlier run that was killed); problems are still reported
        #[arg(long, short)]
        quiet: bool,
        /// With --files: hand over the offline token of this client (SimAI: `sdk` for a
        /// server-side optimisation on a model with coreml 3.16–3.17, `com.ansys.simai.sdk`,
        /// the SDK's own and the default, for 3.18–3.19). Without a token of it, run stops
        /// before the command starts and says how to get one
        #[arg(long, requires = "files", value_name = "CLIENT_ID")]
        client: Option<String>,
        /// The command and its arguments, after --
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Write a profile's key(s) or settings to the vendor's own file, mode 0600
    Export {
        profile: String,
        /// Only this key (services with named keys; default: all keys of the profile)
        #[arg(long)]
        key: Option<String>,
        /// Write here instead of the file the vendor's client reads
        #[arg(long)]
        path: Option<PathBuf>,
        /// Overwrite a different key already in the file
        #[arg(long)]
        force: bool,
        /// Sign-in services: also write the offline token into the vendor's config file (mode 0600)
        #[arg(long)]
        include_secret: bool,
        #[arg(long)]
        json: bool,
    },
    /// Move keys and offline tokens from the vendors' plaintext files and variables into the keyring
    Import {
        /// Only this service (default: every service with vendor files)
        #[arg(long, value_parser = registry::service_parser(registry::importable))]
        service: Option<Service>,
        /// Import into this profile, which may be a team profile (default: a profile of this
        /// computer named after the service; a team profile of that name is not used)
        #[arg(long)]
        profile: Option<String>,
        /// Delete the plaintext copies once the keys are in the keyring
        #[arg(long)]
        remove_plaintext: bool,
        /// Keep the plaintext copies and do not ask
        #[arg(long, conflicts_with = "remove_plaintext")]
        keep_plaintext: bool,
        #[arg(long)]
        json: bool,
    },
    /// Sign in to a sign-in profile: browser device login (default) or --password (+ TOTP)
    #[command(
        after_help = "The browser opens the identity provider's page; approve there. With --no-browser (or no display) the URL and code are printed to open on another device. Ctrl-C cancels."
    )]
    Login(LoginArgs),
    /// Sign in with `openid offline_access` and keep the offline token in the keyring (one per
    /// client: --client)
    #[command(name = "offline-token")]
    OfflineToken(OfflineTokenArgs),
    /// Print a fresh access token (cached in the keyring until shortly before it expires)
    Token {
        profile: String,
        /// Mint a new one even if the cached one is still good
        #[arg(long)]
        refresh: bool,
        /// Print {"access_token", "token_type", "expires_at"} (RFC 3339) for tools that fetch a
        /// token themselves
        #[arg(long)]
        json: bool,
    },
    /// List or revoke consents (offline tokens granted to clients) where the service has an API for them
    #[command(subcommand)]
    Consents(ConsentsCmd),
    /// Revoke the stored tokens at the identity provider and delete them locally
    Logout { profile: String },
    /// Run the loopback sandbox (a demo SimAI realm + API and Modelon Impact server) until killed
    Sandbox {
        /// Port on 127.0.0.1 (0 = any free port)
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Team stores on OpenBao / HashiCorp Vault (KV v2): add, login, list, status, logout, remove
    #[command(subcommand)]
    Store(crate::cmd::store::StoreCmd),
    /// Find plaintext credentials left by the vendors' tools (and SimCred's exports) and say what
    /// to do with each; exits 1 when anything is found. Never prints a secret. First finishes
    /// the clean-up of any `simcred run` that was killed (saying what it found on stderr).
    Audit {
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script: `simcred completions bash > /etc/bash_completion.d/simcred`
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `simcred man > simcred.1`
    Man,
    /// Keep a secret on the clipboard until a deadline (used by `key copy`)
    #[command(hide = true, name = "__serve-clipboard")]
    ServeClipboard {
        #[arg(long)]
        clear_after: u64,
    },
}

#[derive(Args)]
struct LoginArgs {
    profile: String,
    /// Sign in with user name, password and a one-time code (TOTP) instead of the browser
    #[arg(long)]
    password: bool,
    /// User name for --password (default: the profile's `username`, else asked)
    #[arg(long)]
    username: Option<String>,
    /// Do not ask for a TOTP code (accounts without two-factor authentication)
    #[arg(long)]
    no_totp: bool,
    /// Keep the password in the keyring (off by default)
    #[arg(long)]
    remember_password: bool,
    /// Do not open a browser; print the URL and code instead
    #[arg(long)]
    no_browser: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct OfflineTokenArgs {
    #[command(flatten)]
    login: LoginArgs,
    /// The client the token is for; SimCred keeps one offline token per client (SimAI:
    /// `com.ansys.simai.sdk`, the SDK's own and the default, or `sdk`, which the SDK's
    /// server-side optimisation wants on models with coreml 3.16–3.17)
    #[arg(long, value_name = "CLIENT_ID")]
    client: Option<String>,
}

#[derive(Subcommand)]
enum ConsentsCmd {
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

#[derive(Subcommand)]
enum ProfileCmd {
    /// Create a profile: simcred profile add NAME --service SERVICE [--url URL] [--set KEY=VALUE]...
    Add {
        name: String,
        #[arg(long, value_parser = registry::service_parser(registry::any))]
        service: Service,
        #[command(flatten)]
        flags: registry::SettingFlags,
        /// Any other setting, KEY=VALUE (https_proxy, tls_ca_bundle, timeout, description, …; `simcred profile show` lists a profile's)
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Keep the profile's secrets in this team store (`simcred store list`) instead of the OS keyring
        #[arg(long)]
        store: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List profiles
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one profile's settings and keys (never the secrets)
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Move a profile and its secrets to a team store (--store NAME) or back to this machine
    /// (--local); the copy is read back before the source is deleted
    Move {
        name: String,
        #[arg(long, conflicts_with = "local", required_unless_present = "local")]
        store: Option<String>,
        /// Back to this machine's profiles.toml and keyring
        #[arg(long)]
        local: bool,
    },
    /// Change settings: --set KEY=VALUE, --unset KEY
    Edit {
        name: String,
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        #[arg(long = "unset", value_name = "KEY")]
        unset: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Delete a profile and its secrets from the keyring
    Remove {
        name: String,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Args)]
struct KeyRef {
    profile: String,
    /// Key name (default: the profile's default key)
    key: Option<String>,
}

#[derive(Subcommand)]
enum KeyCmd {
    /// Store a key, read from standard input (or a no-echo prompt): simcred key add PROFILE KEYNAME
    Add {
        profile: String,
        /// Key name (required for services with named keys, e.g. project_1; optional for one-key services)
        key: Option<String>,
        /// Make it the profile's default key
        #[arg(long)]
        default: bool,
    },
    /// List a profile's keys, masked (last 4 characters)
    List {
        profile: String,
        #[arg(long)]
        json: bool,
    },
    /// Print a key alone on standard output (the default key when KEYNAME is omitted)
    Get(KeyRef),
    /// Copy a key to the clipboard and clear it after a while (if it still holds the key)
    Copy {
        #[command(flatten)]
        key: KeyRef,
        /// Seconds until the clipboard is cleared
        #[arg(long, default_value_t = 30)]
        clear_after: u64,
        /// Stay in the foreground until the clipboard is cleared
        #[arg(long)]
        wait: bool,
    },
    /// Make a key the profile's default
    Default { profile: String, key: String },
    /// Rename a key
    Rename {
        profile: String,
        old: String,
        new: String,
    },
    /// Replace a key's value (regenerate-and-replace): the new key is read from standard input,
    /// checked with the service, and only then swapped in and re-exported where the old one was
    Replace {
        #[command(flatten)]
        key: KeyRef,
        /// Store the new key even if the check fails or cannot be made
        #[arg(long)]
        no_check: bool,
    },
    /// Delete a key from the keyring and the profile
    Remove {
        profile: String,
        key: String,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
    /// Ask the service whether a key works; records the result and time
    Check {
        #[command(flatten)]
        key: KeyRef,
        #[arg(long)]
        json: bool,
    },
    /// When each version of a team profile's key was written (KV versions; never the values)
    History {
        #[command(flatten)]
        key: KeyRef,
        #[arg(long)]
        json: bool,
    },
}

/// Parses arguments, runs the verb, prints errors; returns the exit code.
pub fn run() -> i32 {
    let cli = match Cli::from_arg_matches(&command().get_matches()) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            let mut msg = format!("{e}");
            for cause in e.chain().skip(1) {
                msg.push_str(&format!(": {cause}"));
            }
            if let Some(h) = e
                .chain()
                .find_map(|c| c.downcast_ref::<simcred_core::Error>())
                .and_then(registry::hint)
            {
                msg.push_str(&format!("; {h}"));
            }
            if e.chain().any(|c| {
                c.downcast_ref::<simcred_core::clipboard::ClipboardError>()
                    .is_some()
            }) {
                msg.push_str("; `simcred key get` prints the key instead");
            }
            eprintln!("simcred: {msg}");
            1
        }
    }
}

/// The command line, with the help texts that list the registry's services.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command()
        .long_about(format!(
            "Keep simulation-cloud credentials ({}) in the OS keyring.\n\nProfiles (no secrets) live in profiles.toml in the config dir ($SIMCRED_CONFIG_DIR overrides it); secrets live in the OS keyring (Secret Service on Linux). Secrets are read from standard input or a no-echo prompt, never from arguments.",
            registry::service_names()
        ))
        .mut_subcommand("run", |c| c.after_help(registry::run_help()))
}

fn dispatch(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Profile(c) => profile_cmd(c),
        Command::Key(c) => key_cmd(c),
        Command::Status { json, check } => status(json, check),
        Command::Run {
            profile,
            key,
            mask,
            files,
            quiet,
            client,
            command,
        } => run_child(
            &profile,
            key.as_deref(),
            mask,
            files,
            quiet,
            client.as_deref(),
            &command,
        ),
        Command::Export {
            profile,
            key,
            path,
            force,
            include_secret,
            json,
        } => {
            let sc = open()?;
            let out = vendor::export(
                &sc.ctx(),
                &profile,
                key.as_deref(),
                path.as_deref(),
                force,
                include_secret,
            )?;
            if json {
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                if out.keys == ["settings"] {
                    println!(
                        "Wrote the settings of {profile} (no secret) to {}.",
                        out.path
                    );
                } else if out.keys.iter().any(|k| k == "offline_token") {
                    println!(
                        "Wrote the settings and the offline token of {profile} to {} (mode 0600). This is a plaintext copy of the token; `simcred logout {profile}` makes it useless. Do not combine it with `simcred run` (the SDK refuses an offline_token and SIMAI_ACCESS_TOKEN together).",
                        out.path
                    );
                } else {
                    println!(
                        "Wrote {} to {} (mode 0600). This is a plaintext copy: `simcred run {profile} -- CMD` avoids it.",
                        out.keys.join(", "),
                        out.path
                    );
                }
                // A variable the vendor's client reads first makes the file moot.
                let service = sc.profile(&profile)?.service;
                for f in vendor::scan(&[service]).unwrap_or_default() {
                    if let vendor::Source::Env(v) = f.source {
                        eprintln!("Note: {v} is set in this environment; the vendor's client uses it before the file.");
                    }
                }
            }
            Ok(0)
        }
        Command::Import {
            service,
            profile,
            remove_plaintext,
            keep_plaintext,
            json,
        } => import(
            service,
            profile.as_deref(),
            remove_plaintext,
            keep_plaintext,
            json,
        ),
        Command::ServeClipboard { clear_after } => serve_clipboard(clear_after),
        Command::Audit { json } => audit(json),
        Command::Store(c) => crate::cmd::store::run(&open()?, c),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut command(), "simcred", &mut std::io::stdout());
            Ok(0)
        }
        Command::Man => {
            clap_mangen::Man::new(command()).render(&mut std::io::stdout())?;
            Ok(0)
        }
        Command::Login(a) => login(a, false, None),
        Command::OfflineToken(a) => login(a.login, true, a.client.as_deref()),
        Command::Token {
            profile,
            refresh,
            json,
        } => {
            let sc = open()?;
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
        Command::Consents(c) => consents(c),
        Command::Logout { profile } => {
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
        Command::Sandbox { port } => {
            let sb = simcred_sandbox::Sandbox::start(simcred_sandbox::SandboxOptions {
                port,
                modelon_keys: vec![],
            })?;
            println!("SIMCRED_SANDBOX_URL={}", sb.url());
            eprintln!(
                "Sandbox running (Ctrl-C stops it).\n  SimAI API:      {}   (user demo@example.com, password demo-password, organization demo-org)\n  Modelon Impact: {}   (make a key at {}admin/server-management)\nTry: simcred profile add demo --service simai --url {} --organization demo-org && simcred login demo",
                sb.simai_api_url(),
                sb.modelon_url(),
                sb.modelon_url(),
                sb.simai_api_url()
            );
            loop {
                std::thread::park();
            }
        }
    }
}

fn parse_pairs(set: &[String]) -> Result<Vec<(String, String)>> {
    set.iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => bail!("--set takes KEY=VALUE, got \"{s}\""),
        })
        .collect()
}

fn print_profile(p: &Profile) {
    println!("{} ({})", p.name, p.service.display_name());
    for (k, v) in &p.settings {
        println!("  {k} = {v}");
    }
    if p.keys.is_empty() {
        println!("  no keys");
    } else {
        println!("  keys:");
        print_keys(&p.keys, "    ");
    }
}

fn print_keys(keys: &[KeyMeta], indent: &str) {
    for k in keys {
        let checked = k
            .checked
            .as_deref()
            .map(|c| format!(", checked {c}"))
            .unwrap_or_default();
        let detail = k
            .detail
            .as_deref()
            .map(|d| format!(" — {d}"))
            .unwrap_or_default();
        println!(
            "{indent}{}{} {} [{}] created {}{}{}",
            k.name,
            if k.default { " (default)" } else { "" },
            simcred_core::secret::masked(&k.last4),
            k.status,
            k.created,
            checked,
            detail
        );
    }
}

fn warn_insecure(p: &Profile) {
    if simcred_core::http::cert_checks_off(p.setting("tls_ca_bundle")) {
        eprintln!(
            "{}",
            simcred_core::http::cert_checks_off_warning(
                &format!("profile \"{}\"", p.name),
                "tls_ca_bundle"
            )
        );
    }
}

fn profile_cmd(c: ProfileCmd) -> Result<i32> {
    let sc = open()?;
    match c {
        ProfileCmd::Add {
            name,
            service,
            flags,
            set,
            store,
            json,
        } => {
            let mut pairs = parse_pairs(&set)?;
            pairs.extend(flags.0);
            let p = sc.add_profile_in(&name, service, &pairs, store.as_deref())?;
            warn_insecure(&p);
            if json {
                println!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                println!("Created profile {} ({}).", p.name, service.display_name());
            }
        }
        ProfileCmd::Move { name, store, .. } => {
            let p = sc.move_profile(&name, store.as_deref())?;
            match &store {
                Some(s) => println!(
                    "Moved profile {} and its secrets to store {s}; this machine keeps no copy.",
                    p.name
                ),
                None => println!(
                    "Moved profile {} and its secrets to this machine (profiles.toml and the OS keyring).",
                    p.name
                ),
            }
        }
        ProfileCmd::List { json } => {
            let (all, problems) = sc.list_profiles_with_problems()?;
            for p in &problems {
                eprintln!("warning: {p}");
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else if all.is_empty() {
                println!(
                    "No profiles yet. Create one with `simcred profile add NAME --service {}`, or `simcred import`.",
                    registry::service_ids()
                );
            } else {
                for p in all {
                    println!("{}\t{}\t{} key(s)", p.name, p.service, p.keys.len());
                }
            }
        }
        ProfileCmd::Show { name, json } => {
            let p = sc.profile(&name)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                print_profile(&p);
            }
        }
        ProfileCmd::Edit {
            name,
            set,
            unset,
            json,
        } => {
            if set.is_empty() && unset.is_empty() {
                bail!("nothing to change: pass --set KEY=VALUE or --unset KEY");
            }
            let p = sc.edit_profile(&name, &parse_pairs(&set)?, &unset)?;
            warn_insecure(&p);
            if json {
                println!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                print_profile(&p);
            }
        }
        ProfileCmd::Remove { name, yes } => {
            let p = sc.profile(&name)?;
            if !yes
                && !confirm(&format!(
                    "Delete profile {name} and its {} key(s) from the keyring?",
                    p.keys.len()
                ))?
            {
                eprintln!("Nothing deleted.");
                return Ok(1);
            }
            let removed = sc.remove_profile(&name)?;
            println!(
                "Deleted profile {name}{}.",
                if removed.is_empty() {
                    String::new()
                } else {
                    format!(" and its keys {}", removed.join(", "))
                }
            );
        }
    }
    Ok(0)
}

fn key_cmd(c: KeyCmd) -> Result<i32> {
    let sc = open()?;
    match c {
        KeyCmd::Add {
            profile,
            key,
            default,
        } => {
            let p = sc.profile(&profile)?;
            let secret = read_secret(&format!(
                "Paste the {} API key for {profile} (input hidden): ",
                p.service.display_name()
            ))?;
            let meta = sc.add_key(&profile, key.as_deref(), secret, default)?;
            println!(
                "Stored key {} in {} ({}){}.",
                meta.name,
                profile,
                simcred_core::secret::masked(&meta.last4),
                if meta.default { ", the default" } else { "" }
            );
        }
        KeyCmd::List { profile, json } => {
            let keys = sc.list_keys(&profile)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&keys)?);
            } else if keys.is_empty() {
                println!("No keys in {profile}. Add one with `simcred key add {profile} NAME`.");
            } else {
                print_keys(&keys, "");
            }
        }
        KeyCmd::Get(k) => {
            let (_, secret) = sc.get_key(&k.profile, k.key.as_deref())?;
            print_secret(&secret)?;
        }
        KeyCmd::Copy {
            key,
            clear_after,
            wait,
        } => return copy(&sc, &key, clear_after, wait),
        KeyCmd::Default { profile, key } => {
            let m = sc.set_default(&profile, &key)?;
            println!("{} is now the default key of {profile}.", m.name);
        }
        KeyCmd::Rename { profile, old, new } => {
            let m = sc.rename_key(&profile, &old, &new)?;
            println!("Renamed {old} to {} in {profile}.", m.name);
            if !m.exported.is_empty() {
                println!(
                    "Note: it was exported under its old name to {}; run `simcred export {profile}` again.",
                    m.exported.join(", ")
                );
            }
        }
        KeyCmd::Replace { key, no_check } => {
            let secret = read_secret("Paste the new key (input hidden): ")?;
            let r = sc.replace_key(&key.profile, key.key.as_deref(), secret, !no_check)?;
            println!(
                "Replaced {} in {} with {} [{}].",
                r.key.name,
                r.profile,
                simcred_core::secret::masked(&r.key.last4),
                r.key.status
            );
            for p in &r.reexported {
                println!("Re-exported to {p}.");
            }
            for why in &r.skipped {
                println!("Not re-exported: {why}.");
            }
        }
        KeyCmd::Remove { profile, key, yes } => {
            if !yes && !confirm(&format!("Delete key {key} of {profile} from the keyring?"))? {
                eprintln!("Nothing deleted.");
                return Ok(1);
            }
            let new_default = sc.remove_key(&profile, &key)?;
            println!("Deleted key {key} from {profile}.");
            if let Some(d) = new_default {
                println!("{d} is now the default key.");
            }
        }
        KeyCmd::History { key, json } => {
            let h = sc.key_history(&key.profile, key.key.as_deref())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&h)?);
            } else {
                for v in &h {
                    println!(
                        "version {}\t{}{}",
                        v.version,
                        v.created_time,
                        if v.gone { "\t(deleted)" } else { "" }
                    );
                }
            }
        }
        KeyCmd::Check { key, json } => {
            let r = sc.check_key(&key.profile, key.key.as_deref())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else if let Some(why) = &r.unreachable {
                // No verdict on the key: say so, and what was last known.
                println!(
                    "{}/{}: unreachable — {why} (the key stays {}{})",
                    r.profile,
                    r.key.name,
                    r.key.status,
                    r.key
                        .checked
                        .as_deref()
                        .map(|c| format!(" as checked {}", ago(c)))
                        .unwrap_or_default()
                );
            } else {
                println!(
                    "{}/{}: {}{}",
                    r.profile,
                    r.key.name,
                    r.key.status,
                    r.key
                        .detail
                        .as_deref()
                        .map(|d| format!(" — {d}"))
                        .unwrap_or_default()
                );
            }
            return Ok(if r.key.status.needs_attention() { 1 } else { 0 });
        }
    }
    Ok(0)
}

fn status(json: bool, check: bool) -> Result<i32> {
    let sc = open()?;
    if check {
        for v in sc.verify_all()? {
            if let simcred_core::verify::Verdict::Failed { message } = v.verdict {
                eprintln!("simcred: cannot check {}: {message}", v.profile);
            }
        }
    }
    let r = sc.status()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        match (&r.backend_state, &r.backend_error) {
            (BackendState::Reachable, _) => println!("Secret store: {} — reachable", r.backend),
            (BackendState::Locked, e) => println!(
                "Secret store: {} — LOCKED: {}",
                r.backend,
                e.as_deref().unwrap_or("unlock it to read secrets")
            ),
            (BackendState::Unreachable, e) => println!(
                "Secret store: {} — NOT reachable: {}",
                r.backend,
                e.as_deref().unwrap_or("no answer")
            ),
        }
        println!("Profiles: {}", r.config_file);
        for p in &r.store_problems {
            println!("! {p}");
        }
        for w in &r.store_warnings {
            println!("! {w}");
        }
        if r.profiles.is_empty() {
            println!("No profiles yet. Create one with `simcred profile add` or `simcred import`.");
        }
        for p in &r.profiles {
            let seen = match (&p.account, &p.checked) {
                (Some(a), Some(c)) => format!(" — {a}, checked {}", ago(c)),
                (None, Some(c)) => format!(" — checked {}", ago(c)),
                (Some(a), None) => format!(" — {a}"),
                (None, None) => String::new(),
            };
            let place = p
                .store
                .as_deref()
                .map(|s| format!(" [store {s}]"))
                .unwrap_or_default();
            println!(
                "{}{}\t{}\t{}{seen}{place}",
                if p.needs_attention { "! " } else { "  " },
                p.name,
                p.service,
                p.state
            );
            if let Some(s) = p.survives {
                println!("      secrets {s}");
            }
            if !p.offline_tokens.is_empty() {
                let list: Vec<String> = p
                    .offline_tokens
                    .iter()
                    .map(|t| match t.status {
                        simcred_core::profile::KeyStatus::Valid
                        | simcred_core::profile::KeyStatus::Unverified => t.client_id.clone(),
                        s => format!("{} ({s})", t.client_id),
                    })
                    .collect();
                println!(
                    "      offline token{} of client{} {}",
                    if list.len() > 1 { "s" } else { "" },
                    if list.len() > 1 { "s" } else { "" },
                    list.join(", ")
                );
            }
            for pr in &p.problems {
                println!("      {pr}");
            }
        }
    }
    Ok(if r.needs_attention { 1 } else { 0 })
}

fn run_child(
    profile: &str,
    key: Option<&str>,
    mask: bool,
    files: bool,
    quiet: bool,
    client: Option<&str>,
    command: &[String],
) -> Result<i32> {
    let sc = open()?;
    // Runs killed before they could clean up: their files first, then this run.
    report_aftercare(sc.recover_runs(), quiet);
    let simcred_core::handoff::RunEnv {
        vars: env,
        handoff,
        note,
        secrets,
        unset,
        aftercare,
    } = sc.run_handoff_for(profile, key, files, client)?;
    if let Some(n) = note {
        eprintln!("simcred: note: {n}");
    }
    let Some(program) = command.first() else {
        bail!("no command to run: give it after --");
    };
    let mut cmd = std::process::Command::new(program);
    cmd.args(&command[1..]);
    for k in &unset {
        cmd.env_remove(k);
    }
    for (k, v) in &env {
        cmd.env(k, v);
    }
    if mask && std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        // The runner masks these in its own log too.
        for s in &secrets {
            println!("::add-mask::{}", s.expose());
        }
    }
    let Some(h) = handoff else {
        if mask {
            return crate::child::run_and_wait(cmd, program, Some(&secrets), |_| {});
        }
        return exec(cmd, program);
    };
    // Something to do after the child: stay its parent, then put files back and clean up.
    let code = crate::child::run_and_wait(cmd, program, mask.then_some(&secrets[..]), |pid| {
        if let Err(e) = h.child_started(pid) {
            eprintln!("simcred: warning: {e}");
        }
    });
    if let Some(a) = aftercare {
        report_aftercare(a.finish(), quiet);
    }
    if let Err(e) = h.close() {
        eprintln!("simcred: warning: {e}");
    }
    code
}

/// Replaces this process with `cmd`: exit code, standard streams and signals are the child's.
fn exec(mut cmd: std::process::Command, program: &str) -> Result<i32> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let err = cmd.exec();
        bail!("cannot run {program}: {err}");
    }
    #[cfg(not(unix))]
    {
        let status = cmd
            .status()
            .with_context(|| format!("cannot run {program}"))?;
        Ok(status.code().unwrap_or(1))
    }
}

fn copy(sc: &Simcred, k: &KeyRef, clear_after: u64, wait: bool) -> Result<i32> {
    let (meta, secret) = sc.get_key(&k.profile, k.key.as_deref())?;
    let what = format!("{}/{}", k.profile, meta.name);
    if wait {
        let end = simcred_core::clipboard::copy_then_clear(
            &secret,
            Duration::from_secs(clear_after),
            || {
                eprintln!("Copied {what} to the clipboard; clearing it in {clear_after} s (Ctrl-C clears now).")
            },
            |_| true,
        )?;
        match end {
            simcred_core::clipboard::CopyEnd::Cleared => eprintln!("Clipboard cleared."),
            simcred_core::clipboard::CopyEnd::Replaced => {
                eprintln!("Something else was copied since; the clipboard was left alone.")
            }
        }
        return Ok(0);
    }
    // A background copy of simcred serves the clipboard until the deadline; the secret goes to
    // it through a pipe, never through arguments or the environment.
    let exe = std::env::current_exe().context("cannot find the simcred executable")?;
    let mut child = std::process::Command::new(exe)
        .args([
            "__serve-clipboard",
            "--clear-after",
            &clear_after.to_string(),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("cannot start the clipboard helper")?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        bail!("cannot talk to the clipboard helper");
    };
    stdin.write_all(secret.expose().as_bytes())?;
    drop(stdin);
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)?;
    if line.trim() != "copied" {
        let status = child.wait()?;
        // The helper says why on its stdout ("error: ..."); a crash says nothing.
        match line.trim().strip_prefix("error: ") {
            Some(reason) => bail!("{}", simcred_core::text::safe(reason)),
            None => bail!("the clipboard could not be set (the helper exited with {status})"),
        }
    }
    eprintln!("Copied {what} to the clipboard; it will be cleared in {clear_after} s if it still holds the key.");
    Ok(0)
}

fn serve_clipboard(clear_after: u64) -> Result<i32> {
    let secret = Secret::new(read_stdin_capped("the value to copy")?);
    let copied = std::cell::Cell::new(false);
    let end = simcred_core::clipboard::copy_then_clear(
        &secret,
        Duration::from_secs(clear_after),
        || {
            copied.set(true);
            let mut out = std::io::stdout();
            let _ = out.write_all(b"copied\n");
            let _ = out.flush();
        },
        |_| true,
    );
    match end {
        Ok(_) => Ok(0),
        Err(e) if !copied.get() => {
            // Tell `key copy` why, on the pipe it reads.
            let mut out = std::io::stdout();
            let _ = writeln!(out, "error: {e}");
            let _ = out.flush();
            Ok(1)
        }
        Err(e) => Err(e.into()),
    }
}

fn audit(json: bool) -> Result<i32> {
    let sc = open()?;
    // A `simcred run` that was killed may have left a vendor file holding its key.
    report_aftercare(sc.recover_runs(), false);
    let found = sc.audit()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&found)?);
    } else if found.is_empty() {
        println!("No plaintext credentials found.");
    } else {
        for f in &found {
            let at = match f.line {
                Some(l) => format!("{}:{l}", f.path),
                None => f.path.clone(),
            };
            let todo = match (&f.todo, f.advice) {
                (Some(t), _) => t.as_str(),
                (None, simcred_core::audit::Advice::Import) => {
                    "import it: `simcred import --remove-plaintext`"
                }
                (None, simcred_core::audit::Advice::Remove) => {
                    "remove it (SimCred keeps its own copy)"
                }
                (None, simcred_core::audit::Advice::Check) => "look at what it is",
            };
            println!(
                "{at}: {}{} — {todo}",
                f.what,
                f.service
                    .as_deref()
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default()
            );
        }
        let unread = found
            .iter()
            .filter(|f| f.advice == simcred_core::audit::Advice::Check)
            .count();
        println!(
            "{} plaintext credential(s) found{}.",
            found.len() - unread,
            if unread > 0 {
                format!(", and {unread} place(s) SimCred could not read")
            } else {
                String::new()
            }
        );
    }
    Ok(if found.is_empty() { 0 } else { 1 })
}

fn import(
    service: Option<Service>,
    profile: Option<&str>,
    remove: bool,
    keep: bool,
    json: bool,
) -> Result<i32> {
    let sc = open()?;
    let services: Vec<Service> = match service {
        Some(s) => vec![s],
        None => vendor::importable(),
    };
    let found = vendor::scan(&services)?;
    if found.is_empty() {
        if json {
            println!("[]");
        } else {
            println!(
                "Found no keys in {}.",
                services
                    .iter()
                    .filter_map(|s| s.provider().files().map(|f| f.label()))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        return Ok(0);
    }
    let done = vendor::import(&sc.ctx(), &found, profile)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&done)?);
    } else {
        for d in &done {
            println!("{d}");
        }
    }
    let mut sources: Vec<String> = found.iter().map(|f| f.source.to_string()).collect();
    sources.dedup();
    let remove = if remove {
        true
    } else if keep || json || !std::io::stdin().is_terminal() {
        if !json {
            eprintln!(
                "Plaintext copies remain in: {}. Remove them with `simcred import --remove-plaintext` once you no longer need them there.",
                sources.join(", ")
            );
        }
        false
    } else {
        confirm(&format!(
            "Plaintext copies remain in: {}. Remove them now?",
            sources.join(", ")
        ))?
    };
    if remove {
        for line in vendor::remove_plaintext(&found, &done)? {
            eprintln!("{line}");
        }
    }
    Ok(0)
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
        sc.password_login_for(
            &a.profile,
            &username,
            &password,
            totp.as_ref(),
            offline,
            a.remember_password,
            client,
        )?
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
        println!("{}", serde_json::to_string_pretty(&result)?);
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

fn consents(c: ConsentsCmd) -> Result<i32> {
    let sc = open()?;
    match c {
        ConsentsCmd::List { profile, json } => {
            let list = sc.consents(&profile)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
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
                let prof = sc.profile(&profile)?;
                let again = if sc.ctx().offline_client(&prof, None)? == client_id {
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
