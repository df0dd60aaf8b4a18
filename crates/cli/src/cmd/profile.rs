//! `simcred profile …`: create, list, show, edit, move and remove profiles (their settings and
//! keys' metadata; never a secret).

use crate::cmd::key::print_keys;
use crate::ioutil::{confirm, open, print_json};
use crate::registry;
use anyhow::{bail, Result};
use clap::Subcommand;
use simcred_core::{Profile, Service};

#[derive(Subcommand)]
pub enum ProfileCmd {
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

/// Runs `simcred profile …`.
pub fn run(c: ProfileCmd) -> Result<i32> {
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
                print_json(&p)?;
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
                print_json(&all)?;
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
                print_json(&p)?;
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
                print_json(&p)?;
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

/// `--set KEY=VALUE` arguments as pairs.
pub(crate) fn parse_pairs(set: &[String]) -> Result<Vec<(String, String)>> {
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

/// The warnings for settings that are allowed but expose the secrets (certificate checks off,
/// a Dlubal key sent over plain gRPC to another computer).
fn warn_insecure(p: &Profile) {
    for w in p.service.provider().warnings(p) {
        eprintln!("{w}");
    }
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
