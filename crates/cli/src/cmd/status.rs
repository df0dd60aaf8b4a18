//! `simcred status`: every profile's state and the secret store in use (with `--check`, each
//! service asked first); exits 1 when something needs attention.

use crate::ioutil::{ago, open, print_json};
use anyhow::Result;
use clap::Args;
use simcred_core::app::BackendState;

#[derive(Args)]
pub struct StatusArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// Ask each service first whether the credentials work (in parallel); without it,
    /// status shows what the last check said and asks no server
    #[arg(long)]
    pub check: bool,
}

/// Runs `simcred status`.
pub fn run(StatusArgs { json, check }: StatusArgs) -> Result<i32> {
    let sc = open()?;
    if check {
        for v in sc.verify_all(true)? {
            if let simcred_core::verify::Verdict::Failed { message } = v.verdict {
                eprintln!("simcred: cannot check {}: {message}", v.profile);
            }
        }
    }
    let r = sc.status()?;
    if json {
        print_json(&r)?;
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
        if let Some(f) = &r.project {
            let named: Vec<String> = f
                .entries
                .iter()
                .map(|e| format!("{} → {}", e.service, e.profile))
                .collect();
            println!(
                "Project: {} ({})",
                simcred_core::text::safe(&f.path.display().to_string()),
                named.join(", ")
            );
        }
        for p in &r.project_problems {
            println!("! {p}");
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
            if let Some(u) = &p.usage {
                println!("      {u}");
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
