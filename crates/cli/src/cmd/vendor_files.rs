//! The vendors' own credential files: `simcred export` (a profile's keys or settings into the
//! vendor's file), `simcred import` (keys and offline tokens from the vendors' plaintext files and
//! variables into the keyring) and `simcred audit` (plaintext credentials left behind).

use crate::ioutil::{confirm, open, print_json, report_aftercare};
use crate::registry;
use anyhow::{anyhow, bail, Result};
use clap::Args;
use simcred_core::{vendor, Service};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Args)]
pub struct ExportArgs {
    pub profile: String,
    /// Only this key (services with named keys; default: all keys of the profile)
    #[arg(long)]
    pub key: Option<String>,
    /// Write here instead of the file the vendor's client reads
    #[arg(long)]
    pub path: Option<PathBuf>,
    /// Overwrite a different key already in the file
    #[arg(long)]
    pub force: bool,
    /// Sign-in services: also write the offline token into the vendor's config file (mode 0600)
    #[arg(long)]
    pub include_secret: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ImportArgs {
    /// Only this service (default: every service with vendor files)
    #[arg(long, value_parser = registry::service_parser(registry::importable))]
    pub service: Option<Service>,
    /// Import into this profile, which may be a team profile; an existing one is joined, a new
    /// name makes one. SERVICE=PROFILE (repeatable) names one per service. Default: a profile of
    /// this computer named after the service (SimAI: after the config file's table); a team
    /// profile of that name is not used
    #[arg(long, value_name = "PROFILE|SERVICE=PROFILE")]
    pub profile: Vec<String>,
    /// A setting of a profile import creates, KEY=VALUE, over what the file says; Modelon:
    /// --set url=URL names the server of a key whose file does not say it (SimCred does not guess)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Only say what would be imported, into which profile (joined or new) and server; write
    /// nothing
    #[arg(long, conflicts_with_all = ["remove_plaintext", "yes"])]
    pub dry_run: bool,
    /// Import without asking first (on a terminal, import shows its plan and asks)
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Delete the plaintext copies once the keys are in the keyring
    #[arg(long)]
    pub remove_plaintext: bool,
    /// Keep the plaintext copies and do not ask
    #[arg(long, conflicts_with = "remove_plaintext")]
    pub keep_plaintext: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct AuditArgs {
    #[arg(long)]
    pub json: bool,
}

/// Runs `simcred export`.
pub fn export(
    ExportArgs {
        profile,
        key,
        path,
        force,
        include_secret,
        json,
    }: ExportArgs,
) -> Result<i32> {
    let sc = open()?;
    let out = sc.export(
        &profile,
        key.as_deref(),
        path.as_deref(),
        force,
        include_secret,
    )?;
    if json {
        print_json(&out)?;
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

/// Runs `simcred import`.
pub fn import(a: ImportArgs) -> Result<i32> {
    let choice = vendor::ImportChoice {
        settings: crate::cmd::profile::parse_pairs(&a.set)?,
        dry_run: a.dry_run,
        ..profile_choice(&a.profile)?
    };
    let sc = open()?;
    let services: Vec<Service> = match a.service {
        Some(s) => vec![s],
        None => vendor::importable(),
    };
    let found = vendor::scan(&services)?;
    if found.is_empty() {
        if a.json {
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
    // On a terminal, the plan first; nothing is written until the person says yes.
    let ask = !(a.yes || a.dry_run || a.json) && std::io::stdin().is_terminal();
    if ask {
        let plan = sc.import(
            &found,
            &vendor::ImportChoice {
                dry_run: true,
                ..choice.clone()
            },
        )?;
        for d in &plan {
            println!("{d}");
        }
        if !plan
            .iter()
            .any(|d| d.action == vendor::ImportAction::Imported)
        {
            return Ok(0);
        }
        if !confirm("Import these?")? {
            eprintln!("Nothing imported.");
            return Ok(0);
        }
    }
    let done = sc.import(&found, &choice)?;
    if a.json {
        print_json(&done)?;
    } else {
        for d in &done {
            println!("{d}");
        }
    }
    if a.dry_run {
        return Ok(0);
    }
    let mut sources: Vec<String> = found.iter().map(|f| f.source.to_string()).collect();
    sources.dedup();
    let remove = if a.remove_plaintext {
        true
    } else if a.keep_plaintext || a.json || !std::io::stdin().is_terminal() {
        if !a.json {
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
        for line in sc.remove_plaintext(&found, &done)? {
            eprintln!("{line}");
        }
    }
    Ok(0)
}

/// The profiles `--profile` names: one for everything, or SERVICE=PROFILE pairs (a profile name
/// has no `=`), each service once.
fn profile_choice(given: &[String]) -> Result<vendor::ImportChoice> {
    let mut choice = vendor::ImportChoice::default();
    for g in given {
        match g.split_once('=') {
            None if given.len() == 1 => choice.profile = Some(g.clone()),
            None => bail!(
                "--profile {g}: give one profile for everything, or SERVICE=PROFILE for each service"
            ),
            Some((s, p)) => {
                let service: Service = s
                    .parse()
                    .ok()
                    .filter(|s| registry::importable(*s))
                    .ok_or_else(|| {
                        anyhow!(
                            "--profile {g}: \"{}\" is not a service with vendor files ({})",
                            simcred_core::text::safe(s),
                            vendor::importable()
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })?;
                if choice.per_service.iter().any(|(x, _)| *x == service) {
                    bail!("--profile: {} is named twice", service.as_str());
                }
                choice.per_service.push((service, p.to_string()));
            }
        }
    }
    Ok(choice)
}

/// Runs `simcred audit`.
pub fn audit(AuditArgs { json }: AuditArgs) -> Result<i32> {
    let sc = open()?;
    // A `simcred run` that was killed may have left a vendor file holding its key.
    report_aftercare(sc.recover_runs(), false);
    let found = sc.audit()?;
    if json {
        print_json(&found)?;
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
