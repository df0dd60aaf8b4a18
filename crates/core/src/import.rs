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

/// Where an import puts what it found, and whether it only says what it would do.
#[derive(Debug, Clone, Default)]
pub struct ImportChoice {
    /// Every credential found goes into this profile (an existing one is joined, else made).
    pub profile: Option<String>,
    /// The credentials of one service go into this profile instead of the one named after the
    /// service (or, for offline tokens, after their table); `profile` wins over these.
    pub per_service: Vec<(Service, String)>,
    /// Settings of a profile the import makes (such as the server's `url`), over what the file
    /// says; each service takes only the settings it has.
    pub settings: Vec<(String, String)>,
    /// Only say what would happen: no profile is made, nothing is stored or recorded.
    pub dry_run: bool,
}

impl ImportChoice {
    /// The profile someone named for `service`'s credentials, if any.
    fn profile_of(&self, service: Service) -> Option<&str> {
        self.profile.as_deref().or_else(|| {
            self.per_service
                .iter()
                .find(|(s, _)| *s == service)
                .map(|(_, n)| n.as_str())
        })
    }
}

/// What happened to one found key (in a dry run: what would happen).
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
    /// Whether `profile` is one this import makes (`false`: an existing profile is joined, or
    /// the key was skipped before a profile was chosen).
    pub new_profile: bool,
    /// The server the profile's keys are for (its `url`), for a service whose keys belong to
    /// one.
    pub server: Option<String>,
    /// A dry run's record: nothing was written.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub planned: bool,
}

impl std::fmt::Display for Imported {
    /// One line for people: `imported: dlubal/main from PATH → this computer's keyring`, with
    /// `(new profile, server URL)` when the import makes the profile; a dry run's line begins
    /// `would import:` or `would skip:` and says when an existing profile is joined.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let action = match (self.planned, self.action) {
            (true, ImportAction::Imported) => "would import".to_string(),
            (true, ImportAction::Skipped) => "would skip".to_string(),
            (_, a) => a.to_string(),
        };
        write!(
            f,
            "{action}: {}/{} from {}",
            self.profile, self.key, self.source
        )?;
        if let Some(to) = &self.stored_in {
            write!(f, " → {to}")?;
            match (self.new_profile, &self.server) {
                (true, Some(s)) => write!(f, " (new profile, server {s})")?,
                (true, None) => write!(f, " (new profile)")?,
                (false, _) if self.planned && self.action == ImportAction::Imported => {
                    write!(f, " (joins the existing profile)")?
                }
                _ => {}
            }
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

/// One import so far: the profiles it made, and in a dry run what it would have stored, so that
/// each later credential is judged as the real run would judge it.
#[derive(Default)]
struct Run {
    dry: bool,
    /// The profiles made (in a dry run: as they would be, with the keys they would get).
    made: Vec<Profile>,
    /// A dry run's would-be stored secrets: (profile, key, secret).
    stored: Vec<(String, String, crate::secret::Secret)>,
}

impl Run {
    fn made(&self, name: &str) -> bool {
        self.made.iter().any(|p| p.name == name)
    }

    /// Whether a dry run would already have stored `secret` in `profile`, under which key.
    fn stored_as(&self, profile: &str, secret: &crate::secret::Secret) -> Option<&str> {
        self.stored
            .iter()
            .find(|(p, _, s)| p == profile && s == secret)
            .map(|(_, k, _)| k.as_str())
    }

    /// `prof` with the keys a dry run would have added to it so far.
    fn with_planned(&self, mut prof: Profile) -> Profile {
        for (p, k, _) in &self.stored {
            if *p == prof.name && prof.key(k).is_none() {
                prof.keys.push(crate::profile::KeyMeta {
                    name: k.clone(),
                    ..Default::default()
                });
            }
        }
        prof
    }
}

/// Moves found keys into the keyring, into the profile `choice` names for them or a profile
/// named after the service (made when missing, with `choice.settings` — such as the server's
/// `url` — over what the file says); offline tokens go into a profile named after their table.
/// A key whose file does not say its server ([`needs_server`]) goes into a new profile only
/// with the server named in the settings; else it is skipped, with a note saying how to name it.
///
/// Without a profile named, keys go only into profiles of this computer: a team profile of the
/// name import would use does not receive them (they are skipped, with a note saying to name a
/// profile). A named profile may be a team profile; each record says where its secret went.
/// With `choice.dry_run` nothing is written and the records say what would happen.
pub fn import(sc: &Ctx<'_>, found: &[Found], choice: &ImportChoice) -> Result<Vec<Imported>> {
    let mut run = Run {
        dry: choice.dry_run,
        ..Default::default()
    };
    let mut out = Vec::new();
    for f in found {
        let tokens = f.service.provider().key_policy() == KeyPolicy::TokensOnly;
        let named = choice.profile_of(f.service);
        // A token's table name is only used when no profile is named.
        let problem = match (tokens, named) {
            (true, Some(_)) => crate::providers::files::key_problem(&f.secret),
            _ => f.problem.clone(),
        };
        let mut rec = if let Some(note) = problem {
            let pname = named.unwrap_or(if tokens { &f.name } else { f.service.as_str() });
            skipped(
                &crate::text::safe(pname),
                &crate::text::safe(&f.name),
                f,
                note,
            )
        } else if tokens {
            import_token(sc, &mut run, f, named)?
        } else {
            import_key(sc, &mut run, f, named, &choice.settings)?
        };
        rec.planned = run.dry;
        out.push(rec);
    }
    Ok(out)
}

/// The profile `name` of `f`'s service and whether this import makes it: the existing one, or a
/// new one with `settings` (which must name the server, for a service whose keys belong to
/// one: `Ok(Err(note))` otherwise). A name the user did not give (`explicit` false) is looked
/// up among the profiles of this computer only; a team profile of that name is refused
/// (`Ok(Err(note))`, nothing written): a personal key must not end up where the team reads it
/// because of a name. A dry run makes the profile in memory only.
fn profile_for(
    sc: &Ctx<'_>,
    run: &mut Run,
    f: &Found,
    name: &str,
    settings: &[(String, String)],
    explicit: bool,
) -> Result<std::result::Result<(Profile, bool), String>> {
    if run.dry {
        if let Some(p) = run.made.iter().find(|p| p.name == name) {
            return Ok(Ok((run.with_planned(p.clone()), true)));
        }
    }
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
        Ok(p) => Ok(Ok((run.with_planned(p.clone()), run.made(name)))),
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
            let prof = if run.dry {
                crate::profiles::new_profile(name, f.service, settings, None)?
            } else {
                sc.add_profile(name, f.service, settings)?
            };
            run.made.push(prof.clone());
            Ok(Ok((prof, true)))
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
        new_profile: false,
        server: None,
        planned: false,
    }
}

/// A record of `f` going into `prof` (made by this import when `new`), as imported.
fn record(sc: &Ctx<'_>, prof: &Profile, new: bool, key: &str, f: &Found) -> Imported {
    let (stored_in, team_store) = destination(sc, prof);
    Imported {
        profile: prof.name.clone(),
        key: key.to_string(),
        source: f.source.to_string(),
        action: ImportAction::Imported,
        note: None,
        stored_in: Some(stored_in),
        team_store,
        new_profile: new,
        server: server_setting(f.service)
            .and_then(|s| prof.setting(s))
            .map(String::from),
        planned: false,
    }
}

/// `rec` turned into a skip because of `note` (it keeps the profile it would have gone to).
fn skip(mut rec: Imported, note: String) -> Imported {
    rec.stored_in = None;
    rec.team_store = None;
    rec.action = ImportAction::Skipped;
    rec.note = Some(note);
    rec
}

fn import_key(
    sc: &Ctx<'_>,
    run: &mut Run,
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
    let (prof, new) = match profile_for(sc, run, f, &pname, &settings, profile.is_some())? {
        Ok(p) => p,
        Err(note) => return Ok(skipped(&pname, &f.name, f, note)),
    };
    let mut rec = record(sc, &prof, new, &f.name, f);
    // Already stored under any name?
    if let Some(k) = run.stored_as(&pname, &f.secret) {
        rec.key = k.to_string();
        rec.action = ImportAction::AlreadyStored;
        return Ok(rec);
    }
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
        return Ok(skip(
            rec,
            format!(
                "profile \"{pname}\" already has a different key; to use this one, replace its key"
            ),
        ));
    }
    if prof.key(&f.name).is_some() {
        return Ok(skip(
            rec,
            format!(
                "profile \"{pname}\" already has a different key named \"{}\"; import into another profile",
                f.name
            ),
        ));
    }
    if run.dry {
        run.stored
            .push((pname.clone(), f.name.clone(), f.secret.clone()));
        return Ok(rec);
    }
    sc.add_key(&pname, Some(&f.name), f.secret.clone(), f.is_default)?;
    // Where the file is on this computer is no business of the team's metadata.
    if let (Source::File(p), None) = (&f.source, &rec.team_store) {
        sc.mark_exported(&pname, &f.name, &p.display().to_string())?;
    }
    Ok(rec)
}

/// The key name an offline token's record shows.
const TOKEN: &str = "offline token";

fn import_token(sc: &Ctx<'_>, run: &mut Run, f: &Found, profile: Option<&str>) -> Result<Imported> {
    let pname = profile.unwrap_or(&f.name).to_string();
    let (prof, new) = match profile_for(sc, run, f, &pname, &f.settings, profile.is_some())? {
        Ok(p) => p,
        Err(note) => return Ok(skipped(&pname, TOKEN, f, note)),
    };
    let source = f.source.to_string();
    let mut rec = record(sc, &prof, new, TOKEN, f);
    // A sign-in is the person's: of a team profile, it stays in this computer's keyring.
    let local = new || sc.config().read()?.iter().any(|p| p.name == pname);
    if !local {
        rec.stored_in = Some("this computer's keyring".into());
        rec.team_store = None;
    }
    // The entry of the client the token was issued to (its `azp`).
    let (id, slot) = sc.offline_slot_for(&prof, &f.secret);
    if run.stored_as(&pname, &f.secret).is_some()
        || sc.store().get(&id)?.as_ref() == Some(&f.secret)
    {
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
    let planned = run.stored.iter().any(|(p, k, _)| *p == pname && k == TOKEN);
    if planned || offline.is_some_and(|m| !m.status.needs_attention()) {
        return Ok(skip(
            rec,
            format!(
                "profile \"{pname}\" already has a different offline token; sign out of it first to replace it"
            ),
        ));
    }
    if run.dry {
        run.stored.push((pname, TOKEN.into(), f.secret.clone()));
        return Ok(rec);
    }
    sc.store_offline_token(&pname, &f.secret, &source)?;
    Ok(rec)
}
