//! `simcred key …`: add, list, read, copy (to the clipboard, cleared after a while), rename,
//! replace, check and remove a profile's API keys, and the hidden `__serve-clipboard` helper that
//! `key copy` starts to hold the clipboard. Keys are read from standard input or a no-echo prompt.

use crate::ioutil::{ago, confirm, open, print_json, print_secret, read_secret, read_stdin_capped};
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use simcred_core::{KeyMeta, Secret, Simcred};
use std::io::Write;
use std::time::Duration;

#[derive(Args)]
pub struct KeyRef {
    /// The profile (default: the one the project's .simcred.toml names, from the current
    /// directory upwards)
    pub profile: Option<String>,
    /// Key name (default: the profile's default key)
    pub key: Option<String>,
    /// With no profile named: the project file's profile of this service
    #[arg(long, conflicts_with = "profile", value_parser = crate::registry::service_parser(crate::cmd::project::has_keys))]
    pub service: Option<simcred_core::Service>,
}

impl KeyRef {
    /// The profile named, or the project file's.
    fn profile(&self, sc: &Simcred) -> Result<String> {
        crate::cmd::project::profile_or_project(
            sc,
            self.profile.as_deref(),
            self.service,
            crate::cmd::project::has_keys,
        )
    }
}

#[derive(Subcommand)]
pub enum KeyCmd {
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

#[derive(Args)]
pub struct ServeClipboardArgs {
    #[arg(long)]
    pub clear_after: u64,
}

/// Runs `simcred key …`.
pub fn run(c: KeyCmd) -> Result<i32> {
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
                print_json(&keys)?;
            } else if keys.is_empty() {
                println!("No keys in {profile}. Add one with `simcred key add {profile} NAME`.");
            } else {
                print_keys(&keys, "");
            }
        }
        KeyCmd::Get(k) => {
            let (_, secret) = sc.get_key(&k.profile(&sc)?, k.key.as_deref())?;
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
            let r = sc.replace_key(&key.profile(&sc)?, key.key.as_deref(), secret, !no_check)?;
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
            let h = sc.key_history(&key.profile(&sc)?, key.key.as_deref())?;
            if json {
                print_json(&h)?;
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
            let r = sc.check_key(&key.profile(&sc)?, key.key.as_deref())?;
            if json {
                print_json(&r)?;
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
                if let Some(u) = &r.key.usage {
                    println!("  {u}");
                }
            }
            return Ok(if r.key.status.needs_attention() { 1 } else { 0 });
        }
    }
    Ok(0)
}

/// Prints one line per key: name, default, the masked value, status, when made and checked.
pub fn print_keys(keys: &[KeyMeta], indent: &str) {
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
        if let Some(u) = &k.usage {
            println!("{indent}  {u}");
        }
    }
}

fn copy(sc: &Simcred, k: &KeyRef, clear_after: u64, wait: bool) -> Result<i32> {
    let profile = k.profile(sc)?;
    let (meta, secret) = sc.get_key(&profile, k.key.as_deref())?;
    let what = format!("{profile}/{}", meta.name);
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

/// Runs the hidden `__serve-clipboard`: holds the secret read from standard input on the
/// clipboard until `clear_after` seconds, saying `copied` (or `error: …`) on standard output.
pub fn serve_clipboard(ServeClipboardArgs { clear_after }: ServeClipboardArgs) -> Result<i32> {
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
