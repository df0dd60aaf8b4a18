//! The command line: the top-level clap definition (`Cli`, one `Command` variant per verb or verb
//! group), `run` (parse, dispatch, print the error with a hint), and `command` (the help texts that
//! list the registry's services). Each group's arguments and work are in `cmd/`.

use crate::ioutil::open;
use crate::registry;
use anyhow::Result;
use clap::{FromArgMatches, Parser, Subcommand};

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
    Profile(crate::cmd::profile::ProfileCmd),
    /// Add, list, read, copy, check and manage API keys
    #[command(subcommand)]
    Key(crate::cmd::key::KeyCmd),
    /// Show every profile's state and the keyring in use; exits 1 when a key is invalid or expired
    Status(crate::cmd::status::StatusArgs),
    /// Run a command with the profile's credentials in its environment (and nowhere else)
    Run(crate::cmd::run::RunArgs),
    /// Write a profile's key(s) or settings to the vendor's own file, mode 0600
    Export(crate::cmd::vendor_files::ExportArgs),
    /// Move keys and offline tokens from the vendors' plaintext files and variables into the keyring
    Import(crate::cmd::vendor_files::ImportArgs),
    /// Sign in to a sign-in profile: browser device login (default) or --password (+ TOTP)
    #[command(
        after_help = "The browser opens the identity provider's page; approve there. With --no-browser (or no display) the URL and code are printed to open on another device. Ctrl-C cancels."
    )]
    Login(crate::cmd::signin::LoginArgs),
    /// Sign in with `openid offline_access` and keep the offline token in the keyring (one per
    /// client: --client)
    #[command(name = "offline-token")]
    OfflineToken(crate::cmd::signin::OfflineTokenArgs),
    /// Print a fresh access token (cached in the keyring until shortly before it expires)
    Token(crate::cmd::signin::TokenArgs),
    /// List or revoke consents (offline tokens granted to clients) where the service has an API for them
    #[command(subcommand)]
    Consents(crate::cmd::signin::ConsentsCmd),
    /// Revoke the stored tokens at the identity provider and delete them locally
    Logout(crate::cmd::signin::LogoutArgs),
    /// Run the loopback sandbox (a demo SimAI realm + API and Modelon Impact server) until killed
    Sandbox(crate::cmd::sandbox::SandboxArgs),
    /// Team stores on OpenBao / HashiCorp Vault (KV v2): add, login, list, status, logout, remove
    #[command(subcommand)]
    Store(crate::cmd::store::StoreCmd),
    /// Find plaintext credentials left by the vendors' tools (and SimCred's exports) and say what
    /// to do with each; exits 1 when anything is found. Never prints a secret. First finishes
    /// the clean-up of any `simcred run` that was killed (saying what it found on stderr).
    Audit(crate::cmd::vendor_files::AuditArgs),
    /// For programs (the Python package): one JSON request on stdin, one JSON reply on stdout
    /// ({"op": "key" | "token" | "profile" | "profiles" | "status", "profile": …}); see
    /// docs/api.md
    Api(crate::cmd::api::ApiArgs),
    /// Print a shell completion script: `simcred completions bash > /etc/bash_completion.d/simcred`
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `simcred man > simcred.1`
    Man,
    /// Keep a secret on the clipboard until a deadline (used by `key copy`)
    #[command(hide = true, name = "__serve-clipboard")]
    ServeClipboard(crate::cmd::key::ServeClipboardArgs),
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
    use crate::cmd::{key, profile, run, sandbox, signin, status, store, vendor_files};
    match cli.command {
        Command::Profile(c) => profile::run(c),
        Command::Key(c) => key::run(c),
        Command::Status(a) => status::run(a),
        Command::Run(a) => run::run(a),
        Command::Export(a) => vendor_files::export(a),
        Command::Import(a) => vendor_files::import(a),
        Command::ServeClipboard(a) => key::serve_clipboard(a),
        Command::Audit(a) => vendor_files::audit(a),
        Command::Api(a) => crate::cmd::api::run(a),
        Command::Store(c) => store::run(&open()?, c),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut command(), "simcred", &mut std::io::stdout());
            Ok(0)
        }
        Command::Man => {
            clap_mangen::Man::new(command()).render(&mut std::io::stdout())?;
            Ok(0)
        }
        Command::Login(a) => signin::sign_in(a),
        Command::OfflineToken(a) => signin::offline_token(a),
        Command::Token(a) => signin::token(a),
        Command::Consents(c) => signin::consents(c),
        Command::Logout(a) => signin::logout(a),
        Command::Sandbox(a) => sandbox::run(a),
    }
}
