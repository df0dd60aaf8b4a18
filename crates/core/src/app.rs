//! [`Simcred`]: the facade both faces use — every operation the CLI and the desktop app offer,
//! one line each, delegating to the parts: [`crate::profiles`], [`crate::keys`],
//! [`crate::signin`] (sign-in sessions), [`crate::vendor`] (vendor files) and
//! [`crate::status`] (a pure function over profiles).

use crate::config::ConfigStore;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::profile::{KeyMeta, Profile, Service};
use crate::providers::oauth::AuthTarget;
use crate::secret::Secret;
use crate::signin::{AccessToken, Consent, DeviceLogin, Logout, SignIn};
use crate::store::{KeyringStore, SecretStore, StoreError};

pub use crate::keys::{CheckReport, ReplaceReport};
pub use crate::profile::{find_profile, now, resolve_key};
pub use crate::status::{BackendState, ProfileState, ProfileStatus, StatusReport};

/// The SimCred core: profiles file plus secret store.
pub struct Simcred {
    config: ConfigStore,
    store: crate::stores::Stores,
}

impl Simcred {
    /// Opens the user's profiles (`SIMCRED_CONFIG_DIR` or the platform dir) and the OS keyring,
    /// namespaced by the profiles file's `keyring_id`.
    pub fn open() -> Result<Self> {
        let config = ConfigStore::from_env()?;
        let namespace = config.keyring_id()?;
        Ok(Simcred::with(
            config,
            Box::new(KeyringStore::from_env(&namespace)),
        ))
    }

    /// A core over a given profiles file and local store (tests use an in-memory store); team
    /// profiles' secrets go to their stores ([`crate::stores::Stores`]).
    pub fn with(config: ConfigStore, store: Box<dyn SecretStore>) -> Self {
        let store = crate::stores::Stores::new(store, config.clone());
        Simcred { config, store }
    }

    /// The parts' context.
    pub(crate) fn ctx(&self) -> Ctx<'_> {
        Ctx::new(&self.config, &self.store)
    }

    /// The secret store's name, for people.
    pub fn backend(&self) -> String {
        self.store.backend()
    }

    // ---- profiles -------------------------------------------------------------------------

    pub fn list_profiles(&self) -> Result<Vec<Profile>> {
        self.ctx().list_profiles()
    }

    /// Every profile, and the team-store problems met reading them (a store that does not
    /// answer, an entry skipped, entries not read in time), each as a sentence naming the store.
    pub fn list_profiles_with_problems(&self) -> Result<(Vec<Profile>, Vec<String>)> {
        let (profiles, problems) = self.ctx().all_profiles()?;
        let problems = problems.iter().map(ToString::to_string).collect();
        Ok((profiles, problems))
    }

    pub fn profile(&self, name: &str) -> Result<Profile> {
        self.ctx().profile(name)
    }

    /// The profile a command given no profile name uses: the one the project file
    /// (`.simcred.toml`, from the current directory upwards) names for `service`, else for the
    /// only service in it that `fits` the command. The profile must exist (in the team store
    /// the file names, if it names one); every problem names the file and line.
    pub fn project_profile(
        &self,
        service: Option<Service>,
        fits: impl Fn(Service) -> bool,
    ) -> Result<String> {
        let file = project_file(service)?;
        let entry = file.choose(service, fits)?;
        self.project_entry_profile(&file, entry)
    }

    /// Every profile the project file names for services that `fits` (or for `service`), each
    /// checked as in [`Simcred::project_profile`]; an error when it names none.
    pub fn project_profiles(
        &self,
        service: Option<Service>,
        fits: impl Fn(Service) -> bool,
    ) -> Result<Vec<String>> {
        let file = project_file(service)?;
        let entries = file.fitting(service, &fits);
        if entries.is_empty() {
            file.choose(service, &fits)?;
        }
        entries
            .into_iter()
            .map(|e| self.project_entry_profile(&file, e))
            .collect()
    }

    pub(crate) fn project_entry_profile(
        &self,
        file: &crate::project::ProjectFile,
        e: &crate::project::ProjectEntry,
    ) -> Result<String> {
        use crate::project::ProjectError;
        let unknown = |message: String| ProjectError::UnknownProfile {
            path: file.path.clone(),
            line: e.line,
            message,
        };
        let p = match self.profile(&e.profile) {
            Ok(p) => p,
            Err(crate::error::Error::UnknownProfile { .. }) => {
                return Err(unknown(format!(
                    "no profile named \"{}\" (for {}) on this computer or in its team stores",
                    e.profile,
                    e.service.display_name()
                ))
                .into())
            }
            Err(other) => return Err(other),
        };
        if p.service != e.service {
            return Err(unknown(format!(
                "profile \"{}\" is a {} profile, not {}",
                e.profile,
                p.service.display_name(),
                e.service.display_name()
            ))
            .into());
        }
        if e.store.is_some() && p.store != e.store {
            return Err(unknown(format!(
                "profile \"{}\" is not in team store \"{}\" ({})",
                e.profile,
                e.store.as_deref().unwrap_or_default(),
                match &p.store {
                    Some(s) => format!("it is in \"{s}\""),
                    None => "it is on this computer".to_string(),
                }
            ))
            .into());
        }
        Ok(p.name)
    }

    /// Creates a profile. `settings` are `name=value` pairs checked against the service.
    pub fn add_profile(
        &self,
        name: &str,
        service: Service,
        settings: &[(String, String)],
    ) -> Result<Profile> {
        self.ctx().add_profile(name, service, settings)
    }

    /// Creates a profile whose secrets live in team store `store` (`None`: the OS keyring).
    pub fn add_profile_in(
        &self,
        name: &str,
        service: Service,
        settings: &[(String, String)],
        store: Option<&str>,
    ) -> Result<Profile> {
        self.ctx().add_profile_in(name, service, settings, store)
    }

    // ---- team stores ----------------------------------------------------------------------

    /// Moves a profile and its secrets to team store `to` (`None`: this machine), verified
    /// before the source is deleted.
    pub fn move_profile(&self, name: &str, to: Option<&str>) -> Result<Profile> {
        self.ctx().move_profile(name, to)
    }

    /// When each version of a team profile's key was written (never the values).
    pub fn key_history(
        &self,
        profile: &str,
        name: Option<&str>,
    ) -> Result<Vec<crate::vault::VersionInfo>> {
        self.ctx().key_history(profile, name)
    }

    /// Adds a `[stores.NAME]` table (nothing is contacted).
    pub fn store_add(&self, cfg: &crate::stores::StoreConfig) -> Result<()> {
        self.ctx().store_add(cfg)
    }

    /// Logs in to a store and keeps its token in the OS keyring.
    pub fn store_login(
        &self,
        name: &str,
        how: crate::stores::LoginMethod,
    ) -> Result<crate::vault::TokenInfo> {
        self.ctx().store_login(name, how)
    }

    /// Revokes a store's token and forgets it; whether the vault revoked it.
    /// Begins an OIDC login to store `name` (see [`crate::stores::OidcPending`]).
    pub fn store_oidc_begin(
        &self,
        name: &str,
        role: Option<&str>,
        port: u16,
    ) -> Result<crate::stores::OidcPending> {
        self.ctx().oidc_begin(name, role, port)
    }

    pub fn store_logout(&self, name: &str) -> Result<bool> {
        self.ctx().store_logout(name)
    }

    /// Removes a store that holds no profile.
    pub fn store_remove(&self, name: &str) -> Result<()> {
        self.ctx().store_remove(name)
    }

    /// Every store and its profiles; with `ask`, what each vault says about the token.
    pub fn store_status(&self, ask: bool) -> Result<Vec<crate::stores::StoreStatus>> {
        self.ctx().store_status(ask)
    }

    /// Changes settings of a profile: `set` pairs, then `unset` names.
    pub fn edit_profile(
        &self,
        name: &str,
        set: &[(String, String)],
        unset: &[String],
    ) -> Result<Profile> {
        self.ctx().edit_profile(name, set, unset)
    }

    /// Deletes a profile and every secret it has in the keyring. Returns the key names removed.
    pub fn remove_profile(&self, name: &str) -> Result<Vec<String>> {
        self.ctx().remove_profile(name)
    }

    // ---- keys -----------------------------------------------------------------------------

    /// Stores a new key. `name` may be omitted for single-key services (Modelon).
    pub fn add_key(
        &self,
        profile: &str,
        name: Option<&str>,
        secret: Secret,
        make_default: bool,
    ) -> Result<KeyMeta> {
        self.ctx().add_key(profile, name, secret, make_default)
    }

    pub fn list_keys(&self, profile: &str) -> Result<Vec<KeyMeta>> {
        self.ctx().list_keys(profile)
    }

    /// Reads a key's secret: the named one, or the profile's default.
    pub fn get_key(&self, profile: &str, name: Option<&str>) -> Result<(KeyMeta, Secret)> {
        self.ctx().get_key(profile, name)
    }

    pub fn set_default(&self, profile: &str, name: &str) -> Result<KeyMeta> {
        self.ctx().set_default(profile, name)
    }

    pub fn rename_key(&self, profile: &str, old: &str, new: &str) -> Result<KeyMeta> {
        self.ctx().rename_key(profile, old, new)
    }

    /// Deletes a key from the keyring and the profile. If it was the default and other keys
    /// remain, the first of them becomes the default.
    pub fn remove_key(&self, profile: &str, name: &str) -> Result<Option<String>> {
        self.ctx().remove_key(profile, name)
    }

    /// Asks the service whether a key works and records the answer and the time.
    pub fn check_key(&self, profile: &str, name: Option<&str>) -> Result<CheckReport> {
        self.ctx().check_key(profile, name)
    }

    /// Regenerate-and-replace: checks `new` with the service first (unless `check` is false)
    /// and keeps the old key when the check fails; then swaps it in and re-exports it wherever
    /// the old key had been exported.
    pub fn replace_key(
        &self,
        profile: &str,
        name: Option<&str>,
        new: Secret,
        check: bool,
    ) -> Result<ReplaceReport> {
        self.ctx().replace_key(profile, name, new, check)
    }

    /// Records that a key was exported to a file.
    pub fn mark_exported(&self, profile: &str, name: &str, path: &str) -> Result<()> {
        self.ctx().mark_exported(profile, name, path)
    }

    /// The environment variables `simcred run` gives the child (values include the secret).
    pub fn run_env(&self, profile: &str, name: Option<&str>) -> Result<Vec<(String, String)>> {
        self.ctx().run_env(profile, name)
    }

    /// `run`'s variables and, for file-only clients, the private handoff (see
    /// [`crate::handoff`]).
    pub fn run_handoff(
        &self,
        profile: &str,
        name: Option<&str>,
        files: bool,
    ) -> Result<crate::handoff::RunEnv> {
        self.ctx().run_handoff(profile, name, files)
    }

    /// [`Simcred::run_handoff`] handing over, with `files`, the offline token of `client`
    /// (`None`: the service's default client); refused, naming the client, when there is none.
    pub fn run_handoff_for(
        &self,
        profile: &str,
        name: Option<&str>,
        files: bool,
        client: Option<&str>,
    ) -> Result<crate::handoff::RunEnv> {
        self.ctx().run_handoff_for(profile, name, files, client)
    }

    // ---- sign-in sessions ------------------------------------------------------------------

    /// Endpoints, client and network settings of a sign-in profile.
    pub fn auth_target(&self, prof: &Profile) -> Result<AuthTarget> {
        self.ctx().auth_target(prof)
    }

    /// Starts a browser device login (RFC 8628); show `user_code` and open `browser_url()`,
    /// then call [`Simcred::finish_device_login`].
    pub fn start_device_login(&self, profile: &str, offline: bool) -> Result<DeviceLogin> {
        self.ctx().start_device_login(profile, offline)
    }

    /// [`Simcred::start_device_login`] for an offline token of `client` (one of the service's
    /// clients; `None`: its default).
    pub fn start_device_login_for(
        &self,
        profile: &str,
        offline: bool,
        client: Option<&str>,
    ) -> Result<DeviceLogin> {
        self.ctx().start_device_login_for(profile, offline, client)
    }

    /// Polls until the user approves (then stores the tokens), denies, the code expires, or
    /// `cancelled()` returns true. Nothing is stored unless the sign-in succeeds.
    pub fn finish_device_login(
        &self,
        dl: DeviceLogin,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<SignIn> {
        self.ctx().finish_device_login(dl, cancelled)
    }

    /// `grant_type=password` with an optional TOTP code. The password is kept in the keyring
    /// only with `remember_password`.
    pub fn password_login(
        &self,
        profile: &str,
        username: &str,
        password: &Secret,
        totp: Option<&Secret>,
        offline: bool,
        remember_password: bool,
    ) -> Result<SignIn> {
        self.ctx().password_login(
            profile,
            username,
            password,
            totp,
            offline,
            remember_password,
        )
    }

    /// Keeps the user name of a password sign-in in the profile (`username`), when the person
    /// asked for it: the sign-in itself changes no setting.
    pub fn remember_username(&self, profile: &str, username: &str) -> Result<()> {
        self.ctx().remember_username(profile, username)
    }

    /// [`Simcred::password_login`] for an offline token of `client` (`None`: the default).
    #[allow(clippy::too_many_arguments)]
    pub fn password_login_for(
        &self,
        profile: &str,
        username: &str,
        password: &Secret,
        totp: Option<&Secret>,
        offline: bool,
        remember_password: bool,
        client: Option<&str>,
    ) -> Result<SignIn> {
        self.ctx().password_login_for(
            profile,
            username,
            password,
            totp,
            offline,
            remember_password,
            client,
        )
    }

    /// The profile's stored offline token (the default client's, else another client's), for
    /// a client built in memory (the Python package's SimAI client); never written anywhere.
    pub fn offline_token(&self, profile: &str) -> Result<Secret> {
        let ctx = self.ctx();
        ctx.stored_offline_token(&ctx.profile(profile)?)
    }

    /// Stores an offline token obtained elsewhere (imported from the SDK's config file).
    pub fn store_offline_token(&self, profile: &str, token: &Secret, source: &str) -> Result<()> {
        self.ctx().store_offline_token(profile, token, source)
    }

    /// A fresh access token: the cached one while it has more than a minute left, else one
    /// minted from the offline token (or the session's refresh token). A rotated refresh token
    /// is stored. A refresh the server rejects with `invalid_grant` marks the token revoked.
    pub fn access_token(&self, profile: &str, force_refresh: bool) -> Result<AccessToken> {
        self.ctx().access_token(profile, force_refresh)
    }

    /// Lists the consents (offline tokens granted to clients) of the signed-in user.
    pub fn consents(&self, profile: &str) -> Result<Vec<Consent>> {
        self.ctx().consents(profile)
    }

    /// Revokes a consent at the service's API. When it backs SimCred's stored offline token,
    /// that token is deleted and marked revoked in the same operation. Returns whether it did.
    pub fn revoke_consent(&self, profile: &str, client_id: &str) -> Result<bool> {
        self.ctx().revoke_consent(profile, client_id)
    }

    /// Revokes the stored refresh/offline tokens at the identity provider (RFC 7009) and deletes
    /// them locally. Local deletion happens even when the provider cannot be reached.
    pub fn logout(&self, profile: &str) -> Result<Logout> {
        self.ctx().logout(profile)
    }

    /// After runs whose SimCred was killed: puts back the vendor files they may have left a
    /// key in, and removes their private directories (see [`crate::aftercare::recover`]).
    pub fn recover_runs(&self) -> crate::aftercare::Report {
        crate::aftercare::recover(&self.ctx())
    }

    /// Writes a profile's key(s) to the vendor's file (see [`crate::vendor::export`]).
    pub fn export(
        &self,
        profile: &str,
        key: Option<&str>,
        path: Option<&std::path::Path>,
        force: bool,
        include_secret: bool,
    ) -> Result<crate::vendor::Exported> {
        crate::vendor::export(&self.ctx(), profile, key, path, force, include_secret)
    }

    /// Stores the keys `found` in the vendors' files where `choice` says, or with
    /// `choice.dry_run` says what it would do (see [`crate::import::import`]).
    pub fn import(
        &self,
        found: &[crate::vendor::Found],
        choice: &crate::import::ImportChoice,
    ) -> Result<Vec<crate::vendor::Imported>> {
        crate::import::import(&self.ctx(), found, choice)
    }

    /// Removes the plaintext copies of what [`Simcred::import`] stored (see
    /// [`crate::vendor::remove_plaintext`]); returns what was removed, as sentences.
    pub fn remove_plaintext(
        &self,
        found: &[crate::vendor::Found],
        imported: &[crate::vendor::Imported],
    ) -> Result<Vec<String>> {
        crate::vendor::remove_plaintext(&self.ctx(), found, imported)
    }

    /// The client a profile's offline token is for when none is named (SimAI: the SDK's own).
    pub fn default_offline_client(&self, profile: &str) -> Result<String> {
        self.ctx().offline_client(&self.profile(profile)?, None)
    }

    /// The `[stores.NAME]` table of profiles.toml.
    pub fn store_config(&self, name: &str) -> Result<crate::stores::StoreConfig> {
        self.config.store(name)
    }

    /// Whether every profile is on this computer (no `[stores.*]` configured): reading them
    /// then asks no server.
    pub fn local_only(&self) -> bool {
        self.config.stores().is_ok_and(|s| s.is_empty())
    }

    /// The plaintext credentials left on this machine (see [`crate::audit`]).
    pub fn audit(&self) -> Result<Vec<crate::audit::Finding>> {
        crate::audit::audit(&self.ctx())
    }

    // ---- status ---------------------------------------------------------------------------

    /// The state of every profile from stored metadata, plus whether the keyring answers.
    /// Reads no secret and asks no server.
    pub fn status(&self) -> Result<StatusReport> {
        self.status_with_probe(self.probe_keyring())
    }

    /// Whether the local keyring answers (a round trip to it; reads no secret).
    pub fn probe_keyring(&self) -> std::result::Result<(), StoreError> {
        self.store.probe()
    }

    /// [`Simcred::status`] with the answer of a [`Simcred::probe_keyring`] made earlier (the app
    /// probes while its window starts, so its first status need not wait for the keyring).
    pub fn status_with_probe(
        &self,
        probe: std::result::Result<(), StoreError>,
    ) -> Result<StatusReport> {
        let (profiles, problems) = self.ctx().all_profiles()?;
        let mut r = crate::status::report(
            profiles,
            self.store.backend(),
            probe,
            self.config.profiles_path().display().to_string(),
        );
        let stores = self.config.stores().unwrap_or_default();
        r.store_warnings = stores.iter().filter_map(|s| s.tls_warning()).collect();
        let kernel: Vec<String> = stores
            .into_iter()
            .filter(|s| !s.kind.holds_profiles())
            .map(|s| s.name)
            .collect();
        for p in &mut r.profiles {
            if p.store.as_ref().is_some_and(|s| kernel.contains(s)) {
                p.survives = Some(crate::kernel::SURVIVES);
            }
        }
        r.store_problems = problems.iter().map(ToString::to_string).collect();
        r.needs_attention |= !r.store_problems.is_empty();
        // The project file in force here, and whether each profile it names exists.
        match crate::project::ProjectFile::find() {
            Ok(Some(f)) => {
                for e in &f.entries {
                    if let Err(err) = self.project_entry_profile(&f, e) {
                        r.project_problems.push(err.to_string());
                    }
                }
                r.project = Some(f);
            }
            Ok(None) => {}
            Err(e) => r.project_problems.push(e.to_string()),
        }
        r.needs_attention |= !r.project_problems.is_empty();
        Ok(r)
    }

    /// Asks every profile's service whether its credentials work now (in parallel, bounded)
    /// and records the answers; `status()` then shows them (see [`crate::verify`]). `metered`:
    /// also services whose every check counts against a plan (Dlubal).
    pub fn verify_all(&self, metered: bool) -> Result<Vec<crate::verify::Verified>> {
        crate::verify::verify_all(self.ctx(), metered)
    }

    /// Asks one profile's service whether its credentials work now, and records the answer.
    pub fn verify(&self, profile: &str) -> crate::verify::Verified {
        self.ctx().verify(profile)
    }
}

/// The project file in force here; with none, the error a command given no profile gets.
fn project_file(service: Option<Service>) -> Result<crate::project::ProjectFile> {
    crate::project::ProjectFile::find()?.ok_or_else(|| {
        crate::project::ProjectError::NoProfile {
            what: service.map(|s| s.display_name().to_string()),
            looked: std::env::current_dir().ok(),
        }
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use simcred_secrets::memory::MemoryStore;

    fn svc(id: &str) -> Service {
        id.parse().unwrap()
    }

    fn sc() -> (tempfile::TempDir, Simcred) {
        let d = tempfile::tempdir().unwrap();
        let s = Simcred::with(ConfigStore::at(d.path()), Box::new(MemoryStore::default()));
        (d, s)
    }

    /// `key get`, `status`, `run`: each command reads profiles.toml once (it asked three times:
    /// the keyring namespace, the profile, the store the profile lives in).
    #[test]
    fn a_command_reads_the_profiles_file_once() {
        let d = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let first = Simcred::with(ConfigStore::at(d.path()), Box::new(store.clone()));
        first.add_profile("p", svc("modelon"), &[]).unwrap();
        first
            .add_key("p", None, Secret::new("k-0123456789"), true)
            .unwrap();
        type Command = fn(&Simcred);
        let ops: [(&str, Command); 3] = [
            ("key get", |s| drop(s.get_key("p", None).unwrap())),
            ("status", |s| drop(s.status().unwrap())),
            ("run", |s| drop(s.run_env("p", None).unwrap())),
        ];
        for (what, op) in ops {
            // As `Simcred::open` does: the namespace first, then the command.
            let config = ConfigStore::at(d.path());
            config.keyring_id().unwrap();
            let s = Simcred::with(config.clone(), Box::new(store.clone()));
            op(&s);
            assert_eq!(
                config.reads(),
                1,
                "{what} read profiles.toml more than once"
            );
        }
    }

    #[test]
    fn named_keys_default_rename_remove() {
        let (_d, s) = sc();
        s.add_profile("rfem", svc("dlubal"), &[]).unwrap();
        s.add_key(
            "rfem",
            Some("Project_1"),
            Secret::new("ak-1111111111"),
            false,
        )
        .unwrap();
        s.add_key("rfem", Some("p2"), Secret::new("ak-2222222222"), false)
            .unwrap();
        // Names are lower-cased like Dlubal's reader does; the first key is the default.
        let (m, v) = s.get_key("rfem", None).unwrap();
        assert_eq!(
            (m.name.as_str(), v.expose()),
            ("project_1", "ak-1111111111")
        );
        s.set_default("rfem", "p2").unwrap();
        assert_eq!(s.get_key("rfem", None).unwrap().1.expose(), "ak-2222222222");
        s.rename_key("rfem", "p2", "second").unwrap();
        assert_eq!(s.get_key("rfem", None).unwrap().0.name, "second");
        assert_eq!(
            s.remove_key("rfem", "second").unwrap().as_deref(),
            Some("project_1")
        );
        let err = s.get_key("rfem", Some("nope")).unwrap_err().to_string();
        assert!(err.contains("the keys are: project_1"), "{err}");
    }

    #[test]
    fn settings_are_the_service_own_then_network_then_description() {
        let names = |id: &str| -> Vec<&str> {
            crate::providers::settings_of(svc(id))
                .iter()
                .map(|s| s.name)
                .collect()
        };
        let s = names("simai");
        assert_eq!(&s[..2], &["organization", "url"]);
        assert!(s.contains(&"https_proxy"));
        assert_eq!(s.last(), Some(&"description"));
        assert!(!names("dlubal").contains(&"organization"));
        assert!(
            !names("dlubal").contains(&"https_proxy"),
            "Dlubal is never contacted"
        );
    }

    #[test]
    fn modelon_holds_one_key() {
        let (_d, s) = sc();
        s.add_profile("impact", svc("modelon"), &[]).unwrap();
        s.add_key("impact", None, Secret::new("k-123456789"), false)
            .unwrap();
        let e = s
            .add_key("impact", None, Secret::new("k-2"), false)
            .unwrap_err();
        assert_eq!(e.code(), "single_key_taken");
        assert!(e.to_string().contains("replace it"), "{e}");
    }

    #[test]
    fn unknown_profile_lists_names_and_bad_settings_refused() {
        let (_d, s) = sc();
        s.add_profile("a", svc("dlubal"), &[]).unwrap();
        let e = s.profile("b").unwrap_err().to_string();
        assert!(e.contains("the profiles are: a"), "{e}");
        let e = s
            .add_profile(
                "c",
                svc("simai"),
                &[
                    ("organization".into(), "x".into()),
                    ("bogus".into(), "1".into()),
                ],
            )
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("not a Ansys SimAI setting") || e.contains("not a"),
            "{e}"
        );
        let e = s
            .add_profile("d", svc("simai"), &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("organization"), "{e}");
        assert!(s.profile("d").is_err());
    }
}
