//! Import: moves the keys and offline tokens found in the vendors' plaintext files and
//! variables ([`Found`]) into the keyring or the profile's store, into a profile someone named or
//! one named after the service. It never binds a key to a server nobody named, never puts a
//! personal key into a team profile because of a name, and says for each credential what became
//! of it ([`Imported`]). The scan and the removal of plaintext copies are in [`crate::vendor`].

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::profile::find_profile;
use crate::profile::{Profile, Service};
use crate::providers::files::{Found, Source};
use crate::providers::KeyPolicy;
use crate::store::{SecretId, SecretKind};
use serde::Serialize;

/// What became of one found key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ImportAction {
    /// Stored in the keyring now.
    #[serde(rename = "imported")]
    Imported,
    /// The keyring already held it.
    #[serde(rename = "already stored")]
    AlreadyStored,
    /// Left alone; the note says why.
    #[serde(rename = "skipped")]
    Skipped,
}

impl ImportAction {
    /// Whether the key is safely in the keyring now (so its plaintext copy may go).
    pub fn is_stored(self) -> bool {
        matches!(self, ImportAction::Imported | ImportAction::AlreadyStored)
    }
}

impl std::fmt::Display for ImportAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ImportAction::Imported => "imported",
            ImportAction::AlreadyStored => "already stored",
            ImportAction::Skipped => "skipped",
        })
    }
}

/// What happened to one found key.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub profile: String,
    pub key: String,
    /// Where it was, for people (a path or `$VARIABLE`).
    pub source: String,
    pub action: ImportAction,
    pub note: Option<String>,
    /// Where the secret is now, for people: "this computer's keyring", `team store "acme"`;
    /// `None` when it was skipped.
    pub stored_in: Option<String>,
    /// The team store that holds it now (`None`: this computer).
    pub team_store: Option<String>,
}

impl std::fmt::Display for Imported {
    /// One line for people: `imported: dlubal/main from PATH → this computer's keyring`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}/{} from {}",
            self.action, self.profile, self.key, self.source
        )?;
        if let Some(to) = &self.stored_in {
            write!(f, " → {to}")?;
        }
        if let Some(n) = &self.note {
            write!(f, " — {n}")?;
        }
        Ok(())
    }
}

/// The setting that names the server a key of `service` belongs to (Modelon: `url`), if the
/// service has one: a key is only ever bound to a server someone named.
fn server_setting(service: Service) -> Option<&'static str> {
    if service.provider().key_policy() == KeyPolicy::TokensOnly {
        return None;
    }
    service
        .provider()
        .settings()
        .iter()
        .find(|s| s.kind == crate::providers::SettingKind::Url)
        .map(|s| s.name)
}

/// Whether importing `f` into a new profile needs the server named, because the vendor's file
/// does not say which server the key is for (Modelon's `~/.impact/api.key` without
/// `MODELON_IMPACT_CLIENT_URL`): import does not guess one.
pub fn needs_server(f: &Found) -> bool {
    f.url.is_none() && server_setting(f.service).is_some()
}

/// Moves found keys into the keyring, into `profile` or a profile named after the service
/// (created when missing, with `settings` — such as the server's `url` — over what the file
/// says); offline tokens go into a profile named after their table. A key whose file does not
/// say its server ([`needs_server`]) goes into a new profile only with the server named in
/// `settings`; else it is skipped, with a note saying how to name it.
///
/// Without `profile`, keys go only into profiles of this computer: a team profile of the name
/// import would use does not receive them (they are skipped, with a note saying to name a
/// profile). A named `profile` may be a team profile; each record says where its secret went.
pub fn import(
    sc: &Ctx<'_>,
    found: &[Found],
    profile: Option<&str>,
    settings: &[(String, String)],
) -> Result<Vec<Imported>> {
    let mut out = Vec::new();
    for f in found {
        let tokens = f.service.provider().key_policy() == KeyPolicy::TokensOnly;
        // A token's table name is only used when no --profile is given.
        let problem = match (tokens, profile) {
            (true, Some(_)) => crate::providers::files::key_problem(&f.secret),
            _ => f.problem.clone(),
        };
        if let Some(note) = problem {
            out.push(Imported {
                profile: crate::text::safe(profile.unwrap_or(if tokens {
                    &f.name
                } else {
                    f.service.as_str()
                })),
                key: crate::text::safe(&f.name),
                source: f.source.to_string(),
                action: ImportAction::Skipped,
                note: Some(note),
                stored_in: None,
                team_store: None,
            });
            continue;
        }
        out.push(if tokens {
            import_token(sc, f, profile)?
        } else {
            import_key(sc, f, profile, settings)?
        });
    }
    Ok(out)
}

/// The profile `name` of `f`'s service: the existing one, or a new one with `settings` (which
/// must name the server, for a service whose keys belong to one: `Ok(Err(note))` otherwise).
/// A name the user did not give (`explicit` false) is looked up among the profiles of this
/// computer only; a team profile of that name is refused (`Ok(Err(note))`, nothing written):
/// a personal key must not end up where the team reads it because of a name.
fn profile_for(
    sc: &Ctx<'_>,
    f: &Found,
    name: &str,
    settings: &[(String, String)],
    explicit: bool,
) -> Result<std::result::Result<Profile, String>> {
    let existing = if explicit {
        sc.list_profiles()?
    } else {
        sc.config().read()?
    };
    match find_profile(&existing, name) {
        Ok(p) if p.service != f.service => Err(Error::Invalid(format!(
            "profile \"{name}\" is a {} profile; import {} credentials into another profile",
            p.service.display_name(),
            f.service.display_name()
        ))),
        Ok(p) => Ok(Ok(p.clone())),
        Err(_) => {
            // A new profile is bound only to a server someone named (the file or `settings`).
            if let Some(server) = server_setting(f.service) {
                if !settings.iter().any(|(k, _)| k == server) {
                    return Ok(Err(format!(
                        "{} does not say which {} server this key is for, and SimCred does not guess; name it (--set {server}=URL) to make profile \"{name}\", or import into an existing profile (--profile NAME)",
                        f.source,
                        f.service.display_name()
                    )));
                }
            }
            if !explicit {
                // A store that cannot be read now is no reason to stop: the new profile is
                // local, where the key is safe.
                if let Ok(Some(t)) = sc.team_profile(name) {
                    let store = t.store.unwrap_or_default();
                    return Ok(Err(format!(
                        "\"{name}\" is a team profile (store \"{store}\"), so this key was not put there and stays where it is; name a profile to import it into (--profile NAME: a new name keeps it on this computer, --profile {name} shares it with the team)"
                    )));
                }
            }
            Ok(Ok(sc.add_profile(name, f.service, settings)?))
        }
    }
}

/// Where the secrets of `prof` go, for people, and the team store among them.
fn destination(sc: &Ctx<'_>, prof: &Profile) -> (String, Option<String>) {
    match &prof.store {
        None => ("this computer's keyring".into(), None),
        Some(s) => match sc.config().store(s) {
            Ok(c) if !c.kind.holds_profiles() => {
                (format!("store \"{s}\" (this user's kernel keyring)"), None)
            }
            _ => (format!("team store \"{s}\""), Some(s.clone())),
        },
    }
}

/// A record of `f` skipped because of `note`.
fn skipped(pname: &str, key: &str, f: &Found, note: String) -> Imported {
    Imported {
        profile: pname.to_string(),
        key: key.to_string(),
        source: f.source.to_string(),
        action: ImportAction::Skipped,
        note: Some(note),
        stored_in: None,
        team_store: None,
    }
}

fn import_key(
    sc: &Ctx<'_>,
    f: &Found,
    profile: Option<&str>,
    given: &[(String, String)],
) -> Result<Imported> {
    let pname = profile.unwrap_or(f.service.as_str()).to_string();
    let mut settings: Vec<(String, String)> = f
        .url
        .iter()
        .map(|u| ("url".to_string(), u.clone()))
        .collect();
    // Only the settings this service has: one import may create profiles of several services.
    let known = f.service.provider().settings();
    for (k, v) in given
        .iter()
        .filter(|(k, _)| known.iter().any(|s| s.name == k))
    {
        settings.retain(|(x, _)| x != k);
        settings.push((k.clone(), v.clone()));
    }
    let prof = match profile_for(sc, f, &pname, &settings, profile.is_some())? {
        Ok(p) => p,
        Err(note) => return Ok(skipped(&pname, &f.name, f, note)),
    };
    let (stored_in, team_store) = destination(sc, &prof);
    let mut rec = Imported {
        profile: pname.clone(),
        key: f.name.clone(),
        source: f.source.to_string(),
        action: ImportAction::Imported,
        note: None,
        stored_in: Some(stored_in),
        team_store,
    };
    // Already stored under any name?
    for k in &prof.keys {
        if let Some(s) = sc
            .store()
            .get(&SecretId::new(&pname, SecretKind::ApiKey, &k.name))?
        {
            if s == f.secret {
                rec.key = k.name.clone();
                rec.action = ImportAction::AlreadyStored;
                return Ok(rec);
            }
        }
    }
    let single = matches!(f.service.provider().key_policy(), KeyPolicy::Single { .. });
    if single && !prof.keys.is_empty() {
        rec.stored_in = None;
        rec.team_store = None;
        rec.action = ImportAction::Skipped;
        rec.note = Some(format!(
            "profile \"{pname}\" already has a different key; to use this one, replace its key"
        ));
    } else if prof.key(&f.name).is_some() {
        rec.stored_in = None;
        rec.team_store = None;
        rec.action = ImportAction::Skipped;
        rec.note = Some(format!(
            "profile \"{pname}\" already has a different key named \"{}\"; import into another profile",
            f.name
        ));
    } else {
        sc.add_key(&pname, Some(&f.name), f.secret.clone(), f.is_default)?;
        // Where the file is on this computer is no business of the team's metadata.
        if let (Source::File(p), None) = (&f.source, &rec.team_store) {
            sc.mark_exported(&pname, &f.name, &p.display().to_string())?;
        }
    }
    Ok(rec)
}

fn import_token(sc: &Ctx<'_>, f: &Found, profile: Option<&str>) -> Result<Imported> {
    let pname = profile.unwrap_or(&f.name).to_string();
    let prof = match profile_for(sc, f, &pname, &f.settings, profile.is_some())? {
        Ok(p) => p,
        Err(note) => return Ok(skipped(&pname, "offline token", f, note)),
    };
    let source = f.source.to_string();
    // A sign-in is the person's: of a team profile, it stays in this computer's keyring.
    let team = !sc.config().read()?.iter().any(|p| p.name == pname);
    let (stored_in, team_store) = match team {
        true => ("this computer's keyring".into(), None),
        false => destination(sc, &prof),
    };
    let mut rec = Imported {
        profile: pname.clone(),
        key: "offline token".into(),
        source: source.clone(),
        action: ImportAction::Imported,
        note: None,
        stored_in: Some(stored_in),
        team_store,
    };
    // The entry of the client the token was issued to (its `azp`).
    let (id, slot) = sc.offline_slot_for(&prof, &f.secret);
    if sc.store().get(&id)?.as_ref() == Some(&f.secret) {
        rec.action = ImportAction::AlreadyStored;
        return Ok(rec);
    }
    let offline = prof.token(&slot);
    if offline.is_some_and(|m| !m.status.needs_attention() && m.exported.contains(&source)) {
        // Imported from this file before and rotated by a refresh since.
        rec.action = ImportAction::AlreadyStored;
        rec.note = Some("the stored copy has been refreshed since it was imported".into());
        return Ok(rec);
    }
    if offline.is_some_and(|m| !m.status.needs_attention()) {
        rec.stored_in = None;
        rec.team_store = None;
        rec.action = ImportAction::Skipped;
        rec.note = Some(format!(
            "profile \"{pname}\" already has a different offline token; sign out of it first to replace it"
        ));
        return Ok(rec);
    }
    sc.store_offline_token(&pname, &f.secret, &source)?;
    Ok(rec)
}
