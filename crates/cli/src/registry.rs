//! The CLI's faces of the service registry: `--service` values with their names, the
//! `profile add` flags of settings that ask for one, help texts listing the services, and the
//! hints that name CLI commands for the core's typed errors. Nothing here names a vendor.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};
use simcred_core::providers::settings_of;
use simcred_core::{Error, Service};

/// `--service` values: every service of the registry, or only those `keep` accepts.
pub fn service_parser(keep: fn(Service) -> bool) -> impl TypedValueParser<Value = Service> {
    PossibleValuesParser::new(
        Service::all()
            .filter(|s| keep(*s))
            .map(|s| PossibleValue::new(s.as_str()).help(s.display_name())),
    )
    .try_map(|s| s.parse::<Service>())
}

/// Every service.
pub fn any(_: Service) -> bool {
    true
}

/// Services with vendor files to import from.
pub fn importable(s: Service) -> bool {
    s.provider().files().is_some()
}

/// "simai|modelon|dlubal|oidc".
pub fn service_ids() -> String {
    Service::all()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join("|")
}

/// "Ansys SimAI, Modelon Impact, …".
pub fn service_names() -> String {
    Service::all()
        .map(|s| s.display_name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The settings that get their own `profile add` flag, once each, with the services that
/// have them: (name, label, services).
fn flag_settings() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    let mut out: Vec<(&'static str, &'static str, Vec<&'static str>)> = Vec::new();
    for svc in Service::all() {
        for s in settings_of(svc).into_iter().filter(|s| s.flag) {
            match out.iter_mut().find(|(n, _, _)| *n == s.name) {
                Some((_, _, services)) => services.push(svc.display_name()),
                None => out.push((s.name, s.label, vec![svc.display_name()])),
            }
        }
    }
    out
}

/// `profile add`'s `--NAME VALUE` flags for the registry's settings (`--client-id` for
/// `client_id`), collected as setting pairs.
#[derive(Debug, Clone, Default)]
pub struct SettingFlags(pub Vec<(String, String)>);

impl FromArgMatches for SettingFlags {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(SettingFlags(
            flag_settings()
                .into_iter()
                .filter_map(|(name, _, _)| {
                    m.get_one::<String>(name)
                        .map(|v| (name.to_string(), v.clone()))
                })
                .collect(),
        ))
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for SettingFlags {
    fn augment_args(mut cmd: Command) -> Command {
        for (name, label, services) in flag_settings() {
            cmd = cmd.arg(
                Arg::new(name)
                    .long(name.replace('_', "-"))
                    .value_name("VALUE")
                    .help(format!("{label} ({})", services.join(", "))),
            );
        }
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

/// What `run` sets for each service, for its help.
pub fn run_help() -> String {
    let mut lines = Vec::new();
    for s in Service::all() {
        let handed = simcred_core::providers::handed_over(s);
        let vars: Vec<String> = handed.variables.iter().map(|(v, _)| v.clone()).collect();
        let files = handed.files.clone();
        if !vars.is_empty() {
            let mut line = format!("{}: {}", s.display_name(), vars.join(" and "));
            if !files.is_empty() {
                line.push_str(&format!(
                    "; and the client's own {} with the key as its default, in a private directory removed when the command ends (your own file is not touched)",
                    files.join(", ")
                ));
            }
            lines.push(format!("{line}."));
        }
        if !handed.with_files_option.is_empty() {
            lines.push(format!(
                "{} with --files: instead, the client's own {} holding the profile's offline token (as [PROFILE] and [default]), so it refreshes by itself; it caches its tokens in {} of a private XDG_CACHE_HOME overlay. All in a private directory (0700, RAM-backed where possible) removed when the command ends; your own files are not touched.",
                s.display_name(),
                handed.with_files_option[0],
                handed.with_files_option[1..].join(", ")
            ));
        }
    }
    lines.push("--files is an error for a service without files above; where files are always handed over it changes nothing.".into());
    lines.push("The vendors' own credential files are kept as they were: a file the client writes the key to during the run (Modelon's ~/.impact/api.key with interactive=True; your real Dlubal config.ini) is removed, or put back byte for byte, afterwards, with a note on stderr (--quiet silences it). After a run whose SimCred was killed, the next run (or audit) does it.".into());
    lines.push("The command's exit code, standard streams and signals pass through.".into());
    lines.join("\n")
}

/// A sentence naming the CLI command that helps with `e`, when there is one.
pub fn hint(e: &Error) -> Option<String> {
    Some(match e {
        Error::UnknownProfile { known, .. } if known.is_empty() => format!(
            "create one with `simcred profile add NAME --service {}`",
            service_ids()
        ),
        Error::UnknownKey { profile, .. } => {
            format!("add one with `simcred key add {profile} NAME`")
        }
        Error::NoKeys { profile } => format!(
            "add one with `simcred key add {profile} NAME` (the key is read from standard input)"
        ),
        Error::NoDefaultKey { profile, .. } => {
            format!("or set a default with `simcred key default {profile} NAME`")
        }
        Error::ProfileExists(_) => "or edit it with `simcred profile edit`".into(),
        Error::Store(simcred_core::store::StoreError::NotFound(_)) => {
            "add it with `simcred store add NAME --kind openbao|vault|kernel`, or see `simcred store list`".into()
        }
        Error::KeyExists { profile, name } => {
            format!("use `simcred key replace {profile} {name}` to change its value")
        }
        Error::SingleKeyTaken { profile, .. } => {
            format!("to change it use `simcred key replace {profile}`")
        }
        Error::KeyNameNeeded { .. } => "`simcred key add PROFILE NAME`".into(),
        Error::SecretMissing { profile, name } => {
            format!("`simcred key remove {profile} {name}` then `simcred key add`")
        }
        Error::NotSignedIn { profile, offline } => {
            if *offline {
                format!("run `simcred offline-token {profile}` first")
            } else {
                format!("run `simcred login {profile}` or `simcred offline-token {profile}`")
            }
        }
        Error::NoClientToken {
            profile, client, ..
        } => format!("get one with `simcred offline-token {profile} --client {client}`"),
        Error::TokenDead { profile, token, .. } => format!(
            "sign in again with `simcred {} {profile}`",
            if token == "offline" {
                "offline-token"
            } else {
                "login"
            }
        ),
        Error::CheckFailed { .. } => "Use --no-check to store it anyway".into(),
        Error::ExportConflict { .. } => {
            "import them with `simcred import`, or overwrite with --force".into()
        }
        Error::UnknownSetting { .. } | Error::Settings(_) => {
            "see `simcred profile show NAME` and change settings with `simcred profile edit NAME --set KEY=VALUE`".into()
        }
        _ => return None,
    })
}
