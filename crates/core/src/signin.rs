//! Sign-in for every service whose provider has a [`crate::providers::SignIn`]: device login,
//! password + TOTP login, offline tokens, fresh access tokens, consents and logout — generic
//! machinery; where to sign in, which client and which consents API come from the provider.
//!
//! Secrets (refresh/offline tokens, the cached access token) go to the keyring; their metadata
//! (created, status, last used, access-token expiry) to the profile's `tokens` table.
//!
//! Offline tokens are kept one per client id (SimAI's server-side optimisation wants a token of
//! a given client): the service's default client's in `offline` (keyring name `default`, the
//! layout from before there were several, so old profiles read unchanged), any other client's
//! in `offline@CLIENT` (keyring name `CLIENT`).

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::http::Http;
use crate::profile::{find_profile, now};
use crate::profile::{KeyMeta, KeyStatus, Profile};
use crate::providers::oauth::{jwt_claims, AuthError, AuthTarget, DeviceAuth, TokenSet};
use crate::providers::{net_options, SignIn as Provider};
use crate::secret::Secret;
use crate::store::{SecretId, SecretKind};
use serde::Serialize;

pub use crate::providers::oauth::Consent;
pub use crate::providers::simai::parse_consents;

/// Token metadata names in the profile's `tokens` table.
pub const OFFLINE: &str = "offline";
pub const SESSION: &str = "session";
pub const ACCESS: &str = "access";
const SECRET_NAME: &str = "default";
/// The metadata prefix of the offline tokens of clients other than the default one.
const OFFLINE_AT: &str = "offline@";
/// An access token is reused until this many seconds before it expires.
const ACCESS_MARGIN_SECS: i64 = 60;

/// A device login waiting for the user to approve it in the browser.
pub struct DeviceLogin {
    pub profile: String,
    pub offline: bool,
    /// The client the login is for (the service's default unless asked otherwise).
    pub client: String,
    pub auth: DeviceAuth,
    target: AuthTarget,
}

impl DeviceLogin {
    /// The page to open in the browser: `verification_uri_complete` when it is an http(s)
    /// address, else `verification_uri` when that is; `None` when the server offered neither.
    /// Only this may reach the system's opener.
    pub fn browser_url(&self) -> Option<crate::http::OpenableUrl> {
        self.auth
            .verification_uri_complete
            .as_deref()
            .and_then(crate::http::openable_url)
            .or_else(|| crate::http::openable_url(&self.auth.verification_uri))
    }

    /// The addresses the server offered that must not be opened, made safe to show.
    pub fn refused_urls(&self) -> Vec<String> {
        [
            self.auth.verification_uri_complete.as_deref(),
            Some(self.auth.verification_uri.as_str()),
        ]
        .into_iter()
        .flatten()
        .filter(|u| crate::http::openable_url(u).is_none())
        .map(|u| crate::text::safe_short(u, 300))
        .collect()
    }

    /// The address to show the user: [`Self::browser_url`], else the server's
    /// `verification_uri` made safe.
    pub fn shown_url(&self) -> String {
        self.browser_url()
            .map(|u| u.to_string())
            .unwrap_or_else(|| crate::text::safe_short(&self.auth.verification_uri, 300))
    }
}

/// The result of a sign-in.
#[derive(Debug, Clone, Serialize)]
pub struct SignIn {
    pub profile: String,
    pub offline_token: bool,
    pub access_expires: Option<String>,
    pub scope: Option<String>,
}

/// A fresh access token.
#[derive(Debug)]
pub struct AccessToken {
    pub token: Secret,
    pub expires: Option<String>,
    /// Whether it came from the keyring cache (no request made).
    pub cached: bool,
}

/// What `logout` did.
#[derive(Debug, Clone, Serialize)]
pub struct Logout {
    pub profile: String,
    pub revoked_remotely: bool,
    /// Why the remote revocation failed, when it did (local tokens are deleted anyway).
    pub remote_error: Option<String>,
    pub deleted_locally: usize,
}

/// The client a token was issued to (its `azp` claim), if it says.
fn azp(token: &Secret) -> Option<String> {
    jwt_claims(token.expose())
        .and_then(|c| c.get("azp").and_then(|a| a.as_str()).map(crate::text::safe))
}

fn sid(profile: &str, kind: SecretKind) -> SecretId {
    SecretId::new(profile, kind, SECRET_NAME)
}

/// The service's default client for a profile (empty for a service without sign-in).
fn default_client_of(prof: &Profile) -> String {
    sign_in_of(prof)
        .map(|s| s.default_client(prof))
        .unwrap_or_default()
}

/// The metadata name of `client`'s offline token: `offline` for the default client,
/// `offline@CLIENT` for the others.
pub fn offline_meta_name(prof: &Profile, client: &str) -> String {
    if client == default_client_of(prof) {
        OFFLINE.to_string()
    } else {
        format!("{OFFLINE_AT}{client}")
    }
}

/// The keyring entry of `client`'s offline token: name `default` for the default client,
/// the client id for the others.
pub(crate) fn offline_sid(prof: &Profile, client: &str) -> SecretId {
    if client == default_client_of(prof) {
        sid(&prof.name, SecretKind::OfflineToken)
    } else {
        SecretId::new(&prof.name, SecretKind::OfflineToken, client)
    }
}

/// The keyring entry of the offline token whose metadata is named `name` (`offline` or
/// `offline@CLIENT`).
pub(crate) fn offline_sid_named(prof: &Profile, name: &str) -> SecretId {
    match name.strip_prefix(OFFLINE_AT).filter(|c| !c.is_empty()) {
        Some(c) => SecretId::new(&prof.name, SecretKind::OfflineToken, c),
        None => sid(&prof.name, SecretKind::OfflineToken),
    }
}

/// The client of the token in the `offline` entry: the default client, unless SimCred noted
/// another of the service's clients when it stored it (`detail` "client sdk, …": a legacy
/// token imported before tokens were kept per client).
fn default_entry_client(prof: &Profile, meta: &KeyMeta, default: &str) -> String {
    detail_client(meta.detail.as_deref())
        .filter(|c| {
            sign_in_of(prof)
                .map(|s| s.clients(prof).iter().any(|k| k == c))
                .unwrap_or(false)
        })
        .unwrap_or(default)
        .to_string()
}

/// The client a token's `detail` names ("client ID, …", as SimCred writes it).
fn detail_client(detail: Option<&str>) -> Option<&str> {
    detail?
        .strip_prefix("client ")?
        .split([',', ' '])
        .next()
        .filter(|c| !c.is_empty())
}

/// The offline tokens a profile has metadata for, as `(client, metadata)`, the `offline`
/// entry first (the keyring entry of each: [`offline_sid_named`] of its name). Reads no secret.
pub fn offline_tokens(prof: &Profile) -> Vec<(String, KeyMeta)> {
    let default = default_client_of(prof);
    let mut out: Vec<(String, KeyMeta)> = prof
        .token(OFFLINE)
        .map(|m| (default_entry_client(prof, m, &default), m.clone()))
        .into_iter()
        .collect();
    for m in &prof.tokens {
        if let Some(c) = m.name.strip_prefix(OFFLINE_AT) {
            if c != default && !c.is_empty() {
                out.push((c.to_string(), m.clone()));
            }
        }
    }
    out
}

/// The RFC 3339 time `secs` from now; `None` when absent or beyond what a date can hold.
fn expiry(secs: Option<u64>) -> Option<String> {
    let secs = i64::try_from(secs?).ok()?;
    let d = chrono::Duration::try_seconds(secs)?;
    chrono::Utc::now()
        .checked_add_signed(d)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn token_meta(
    name: &str,
    status: KeyStatus,
    detail: Option<String>,
    expires: Option<String>,
) -> KeyMeta {
    KeyMeta {
        name: name.to_string(),
        created: now(),
        last4: String::new(),
        status,
        checked: None,
        detail,
        expires,
        exported: vec![],
        default: false,
        ..Default::default()
    }
}

/// The consents API of a profile's service, or an error saying it has none.
fn consents_of(prof: &Profile) -> Result<&'static dyn crate::providers::Consents> {
    sign_in_of(prof)?
        .consents()
        .ok_or_else(|| Error::NotSupported {
            service: prof.service.display_name().to_string(),
            what: "consents".into(),
        })
}

/// The sign-in of a profile's service, or an error saying it has none.
fn sign_in_of(prof: &Profile) -> Result<&'static dyn Provider> {
    prof.service
        .provider()
        .sign_in()
        .ok_or_else(|| Error::NotSupported {
            service: prof.service.display_name().to_string(),
            what: "signing in (they hold API keys)".into(),
        })
}

impl Ctx<'_> {
    /// Endpoints, client and network settings of a sign-in profile.
    pub fn auth_target(&self, prof: &Profile) -> Result<AuthTarget> {
        let http = Http::new(&net_options(prof))?;
        sign_in_of(prof)?.target(prof, http)
    }

    /// Starts a browser device login (RFC 8628); show `user_code` and open `browser_url()`,
    /// then call [`Simcred::finish_device_login`].
    pub fn start_device_login(&self, profile: &str, offline: bool) -> Result<DeviceLogin> {
        self.start_device_login_for(profile, offline, None)
    }

    /// [`Ctx::start_device_login`] for an offline token of `client` (one of the service's
    /// [`clients`](crate::providers::SignIn::clients); `None`: the default client).
    pub fn start_device_login_for(
        &self,
        profile: &str,
        offline: bool,
        client: Option<&str>,
    ) -> Result<DeviceLogin> {
        let prof = self.profile(profile)?;
        let client = self.login_client(&prof, offline, client)?;
        let target = self.auth_target(&prof)?;
        let auth = target
            .client(Some(client.as_str()))
            .start_device(&target.scope(offline))?;
        Ok(DeviceLogin {
            profile: profile.to_string(),
            offline,
            client,
            auth,
            target,
        })
    }

    /// The client id `client` names for this profile (its service's default when `None`), or
    /// a sentence naming the clients there are.
    pub fn offline_client(&self, prof: &Profile, client: Option<&str>) -> Result<String> {
        let sign_in = sign_in_of(prof)?;
        let Some(c) = client else {
            return Ok(sign_in.default_client(prof));
        };
        let known = sign_in.clients(prof);
        if known.iter().any(|k| k == c) {
            Ok(c.to_string())
        } else {
            Err(Error::Invalid(format!(
                "{} has no client \"{}\"; SimCred keeps offline tokens of {}",
                prof.service.display_name(),
                crate::text::safe(c),
                known.join(" and ")
            )))
        }
    }

    /// The client a login is for: another than the default only for an offline token.
    fn login_client(&self, prof: &Profile, offline: bool, client: Option<&str>) -> Result<String> {
        let c = self.offline_client(prof, client)?;
        if !offline && c != default_client_of(prof) {
            return Err(Error::Invalid(
                "a client can be chosen for an offline token only (`simcred offline-token PROFILE --client ID`)".into(),
            ));
        }
        Ok(c)
    }

    /// Polls until the user approves (then stores the tokens), denies, the code expires, or
    /// `cancelled()` returns true. Nothing is stored unless the sign-in succeeds.
    pub fn finish_device_login(
        &self,
        dl: DeviceLogin,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<SignIn> {
        let tokens = dl
            .target
            .client(Some(dl.client.as_str()))
            .poll_device(&dl.auth, cancelled)?;
        self.store_signin(&dl.profile, &dl.client, tokens, dl.offline)
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
        self.password_login_for(
            profile,
            username,
            password,
            totp,
            offline,
            remember_password,
            None,
        )
    }

    /// [`Ctx::password_login`] for an offline token of `client` (`None`: the default client).
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
        let prof = self.profile(profile)?;
        let client = self.login_client(&prof, offline, client)?;
        let target = self.auth_target(&prof)?;
        let tokens = target.client(Some(client.as_str())).password(
            username,
            password,
            totp,
            &target.scope(offline),
        )?;
        if remember_password {
            self.store()
                .set(&sid(profile, SecretKind::Password), password)?;
        }
        // The user name is not written into the profile here: the faces ask first
        // (Ctx::remember_username), so a sign-in changes no setting quietly.
        self.store_signin(profile, &client, tokens, offline)
    }

    /// Keeps `username` in the profile's settings (the SDK's config has it), for the next
    /// password sign-in's form; a face calls it when the person asked for it.
    pub(crate) fn remember_username(&self, profile: &str, username: &str) -> Result<()> {
        self.update_profile_setting(profile, "username", username)
    }

    fn update_profile_setting(&self, profile: &str, key: &str, value: &str) -> Result<()> {
        self.update_profile(profile, |doc| {
            let p = find_profile(doc.profiles(), profile)?;
            if p.setting(key) != Some(value) {
                doc.set_setting(profile, key, Some(value));
            }
            Ok::<_, Error>(())
        })
    }

    fn store_signin(
        &self,
        profile: &str,
        client_id: &str,
        tokens: TokenSet,
        offline: bool,
    ) -> Result<SignIn> {
        let prof = self.profile(profile)?;
        let refresh = tokens.refresh.as_ref().ok_or_else(|| {
            Error::Auth(AuthError::BadReply(if offline {
                "the identity provider gave no offline token (refresh_token); does the client allow offline_access?".into()
            } else {
                "the identity provider gave no refresh token; nothing was stored".into()
            }))
        })?;
        let (id, name) = if offline {
            (
                offline_sid(&prof, client_id),
                offline_meta_name(&prof, client_id),
            )
        } else {
            (sid(profile, SecretKind::RefreshToken), SESSION.to_string())
        };
        // Everything is worked out before the first write, so nothing is stored half-way.
        let access_expires = expiry(tokens.expires_in);
        let client = azp(refresh).unwrap_or_else(|| crate::text::safe(client_id));
        self.store().set(&id, refresh)?;
        self.store()
            .set(&sid(profile, SecretKind::AccessToken), &tokens.access)?;
        self.update_profile(profile, |doc| {
            find_profile(doc.profiles(), profile)?;
            doc.put_token(
                profile,
                &token_meta(
                    &name,
                    KeyStatus::Valid,
                    Some(format!(
                        "client {client}{}",
                        tokens
                            .scope
                            .as_deref()
                            .map(|s| format!(", scope {s}"))
                            .unwrap_or_default()
                    )),
                    None,
                ),
            );
            doc.put_token(
                profile,
                &token_meta(ACCESS, KeyStatus::Valid, None, access_expires.clone()),
            );
            Ok::<_, Error>(())
        })?;
        Ok(SignIn {
            profile: profile.to_string(),
            offline_token: offline,
            access_expires,
            scope: tokens.scope,
        })
    }

    /// Stores an offline token obtained elsewhere (imported from the SDK's config file).
    /// It goes to the slot of the client it was issued to (its `azp`, when that is one of the
    /// service's clients; else the default client's).
    pub fn store_offline_token(&self, profile: &str, token: &Secret, source: &str) -> Result<()> {
        let prof = self.profile(profile)?;
        let (id, name) = self.offline_slot_for(&prof, token);
        let client = azp(token).unwrap_or_else(|| default_client_of(&prof));
        self.store().set(&id, token)?;
        let _ = self.store().delete(&sid(profile, SecretKind::AccessToken));
        self.update_profile(profile, |doc| {
            find_profile(doc.profiles(), profile)?;
            let mut m = token_meta(
                &name,
                KeyStatus::Unverified,
                Some(format!("client {client}, imported from {source}")),
                None,
            );
            m.exported = vec![source.to_string()];
            doc.put_token(profile, &m);
            doc.remove_token(profile, ACCESS);
            Ok::<_, Error>(())
        })
    }

    /// Where an offline token obtained elsewhere goes: the keyring entry and metadata name of
    /// the client it was issued to (its `azp`, when that is one of the service's clients),
    /// else the default client's.
    pub(crate) fn offline_slot_for(&self, prof: &Profile, token: &Secret) -> (SecretId, String) {
        let client = azp(token)
            .filter(|c| {
                sign_in_of(prof)
                    .map(|s| s.clients(prof).contains(c))
                    .unwrap_or(false)
            })
            .unwrap_or_else(|| default_client_of(prof));
        (offline_sid(prof, &client), offline_meta_name(prof, &client))
    }

    /// The working offline tokens the profile holds, as `(client, metadata name, token)`, the
    /// `offline` entry first; the client is the token's `azp`, else its entry's. Profiles from
    /// before tokens were kept per client may hold a legacy `sdk` token in `offline`.
    pub(crate) fn held_offline_tokens(
        &self,
        prof: &Profile,
    ) -> Result<Vec<(String, String, Secret)>> {
        let mut out = Vec::new();
        for (client, meta) in offline_tokens(prof) {
            if meta.status.needs_attention() {
                continue;
            }
            if let Some(t) = self.store().get(&offline_sid_named(prof, &meta.name))? {
                out.push((azp(&t).unwrap_or(client), meta.name, t));
            }
        }
        Ok(out)
    }

    /// The clients the profile has a working offline token of.
    pub fn offline_token_clients(&self, prof: &Profile) -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for (c, _, _) in self.held_offline_tokens(prof)? {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        Ok(out)
    }

    /// A fresh access token: the cached one while it has more than a minute left, else one
    /// minted from the offline token (or the session's refresh token). A rotated refresh token
    /// is stored. A refresh the server rejects with `invalid_grant` marks the token revoked.
    pub fn access_token(&self, profile: &str, force_refresh: bool) -> Result<AccessToken> {
        let prof = self.profile(profile)?;
        let sign_in = sign_in_of(&prof)?;
        if !force_refresh {
            if let Some(meta) = prof.token(ACCESS) {
                let fresh = meta
                    .expires
                    .as_deref()
                    .and_then(|e| chrono::DateTime::parse_from_rfc3339(e).ok())
                    .is_some_and(|e| {
                        (e.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds()
                            > ACCESS_MARGIN_SECS
                    });
                if fresh {
                    if let Some(t) = self.store().get(&sid(profile, SecretKind::AccessToken))? {
                        return Ok(AccessToken {
                            token: t,
                            expires: meta.expires.clone(),
                            cached: true,
                        });
                    }
                }
            }
        }
        // The default client's offline token, the session, then other clients' offline tokens;
        // the first that works, else the first there is (to say what is wrong with it).
        let mut candidates: Vec<(SecretId, KeyMeta, Option<String>)> = Vec::new();
        let offline = offline_tokens(&prof);
        let default = sign_in.default_client(&prof);
        let slot_client = |c: &String| (*c != default).then(|| c.clone());
        for (client, meta) in offline.iter().filter(|(_, m)| m.name == OFFLINE) {
            candidates.push((
                offline_sid_named(&prof, &meta.name),
                meta.clone(),
                slot_client(client),
            ));
        }
        if let Some(m) = prof.token(SESSION) {
            candidates.push((sid(profile, SecretKind::RefreshToken), m.clone(), None));
        }
        for (client, meta) in offline.iter().filter(|(_, m)| m.name != OFFLINE) {
            candidates.push((
                offline_sid_named(&prof, &meta.name),
                meta.clone(),
                slot_client(client),
            ));
        }
        let chosen = candidates
            .iter()
            .find(|(_, m, _)| !m.status.needs_attention())
            .or(candidates.first())
            .cloned();
        let Some((id, meta, slot_client)) = chosen else {
            return Err(Error::NotSignedIn {
                profile: profile.to_string(),
                offline: false,
            });
        };
        let name = meta.name.clone();
        if meta.status.needs_attention() {
            return Err(Error::TokenDead {
                profile: profile.to_string(),
                token: if name.starts_with(OFFLINE) {
                    OFFLINE.to_string()
                } else {
                    name.clone()
                },
                status: meta.status.to_string(),
                detail: meta.detail.clone(),
            });
        }
        let refresh = self.store().get(&id)?.ok_or_else(|| Error::SecretMissing {
            profile: profile.to_string(),
            name: format!("{name} token"),
        })?;
        let target = self.auth_target(&prof)?;
        // A token refreshes with the client it was issued to: legacy SimAI offline tokens
        // (`azp: sdk`) with "sdk", another client's slot with that client.
        let client_id = sign_in
            .client_for(azp(&refresh).as_deref())
            .map(String::from)
            .or(slot_client);
        match target.client(client_id.as_deref()).refresh(&refresh) {
            Ok(t) => {
                self.store()
                    .set(&sid(profile, SecretKind::AccessToken), &t.access)?;
                if let Some(r) = t.refresh.as_ref().filter(|r| *r != &refresh) {
                    self.store().set(&id, r)?;
                }
                let expires = expiry(t.expires_in);
                self.update_profile(profile, |doc| {
                    find_profile(doc.profiles(), profile)?;
                    let mut m = meta.clone();
                    m.checked = Some(now());
                    doc.put_token(profile, &m);
                    doc.put_token(
                        profile,
                        &token_meta(ACCESS, KeyStatus::Valid, None, expires.clone()),
                    );
                    Ok::<_, Error>(())
                })?;
                Ok(AccessToken {
                    token: t.access,
                    expires,
                    cached: false,
                })
            }
            Err(e) if e.token_is_dead() => {
                let _ = self.store().delete(&sid(profile, SecretKind::AccessToken));
                self.mark_revoked(profile, &name, format!("refresh refused: {e}"), true)?;
                Err(e.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Lists the consents (offline tokens granted to clients) of the signed-in user.
    pub fn consents(&self, profile: &str) -> Result<Vec<Consent>> {
        let prof = self.profile(profile)?;
        let api = consents_of(&prof)?;
        let mut access = self.access_token(profile, false)?;
        let list = match api.list(&prof, &access.token) {
            // A cached token the API no longer takes (the server restarted, the session was
            // ended): mint a new one once; a fresh one refused too marks the token invalid.
            Err(Error::Auth(AuthError::Unauthorized(_))) if access.cached => {
                access = self.access_token(profile, true)?;
                api.list(&prof, &access.token)
            }
            other => other,
        };
        if let Err(Error::Auth(AuthError::Unauthorized(why))) = &list {
            self.mark_access_refused(profile, why)?;
        }
        let mut list = list?;
        let mine = self.offline_token_clients(&prof)?;
        for c in &mut list {
            c.stored_here = mine.contains(&c.client_id);
        }
        Ok(list)
    }

    /// Revokes a consent at the service's API. When it backs one of SimCred's stored offline
    /// tokens (the one of that client), that token — and only that one — is deleted and marked
    /// revoked in the same operation, with the cached access token when that client issued it.
    /// Returns whether it did.
    pub fn revoke_consent(&self, profile: &str, client_id: &str) -> Result<bool> {
        let prof = self.profile(profile)?;
        let api = consents_of(&prof)?;
        // The entries holding a token of this client (by its `azp`, else its slot).
        let mut backed = Vec::new();
        for (client, meta) in offline_tokens(&prof) {
            if meta.status.needs_attention() {
                continue;
            }
            let id = offline_sid_named(&prof, &meta.name);
            if let Some(t) = self.store().get(&id)? {
                if azp(&t).unwrap_or(client) == client_id {
                    backed.push((id, meta.name));
                }
            }
        }
        let access = self.access_token(profile, false)?;
        api.revoke(&prof, &access.token, client_id)?;
        if backed.is_empty() {
            return Ok(false);
        }
        let access_of_client = azp(&access.token).is_none_or(|a| a == client_id);
        for (id, name) in &backed {
            self.store().delete(id)?;
            if access_of_client {
                self.store()
                    .delete(&sid(profile, SecretKind::AccessToken))?;
            }
            self.mark_revoked(
                profile,
                name,
                format!(
                    "consent of {} revoked with SimCred",
                    crate::text::safe(client_id)
                ),
                access_of_client,
            )?;
        }
        Ok(true)
    }

    /// Forgets the cached access token after an API refused it (401): the next call mints a
    /// new one, and `status` no longer calls it valid.
    pub(crate) fn mark_access_refused(&self, profile: &str, by: &str) -> Result<()> {
        let _ = self.store().delete(&sid(profile, SecretKind::AccessToken));
        self.update_profile(profile, |doc| {
            let p = find_profile(doc.profiles(), profile)?;
            if let Some(m) = p.token(ACCESS) {
                let mut m = m.clone();
                m.status = KeyStatus::Invalid;
                m.checked = Some(now());
                m.detail = Some(format!("{by} did not accept it (401)"));
                doc.put_token(profile, &m);
            }
            Ok::<_, Error>(())
        })
    }

    /// Marks a sign-in token (`offline…` or `session`) revoked, with the reason and time, and
    /// with `forget_access` forgets the cached access token's metadata.
    fn mark_revoked(
        &self,
        profile: &str,
        name: &str,
        detail: String,
        forget_access: bool,
    ) -> Result<()> {
        self.update_profile(profile, |doc| {
            let p = find_profile(doc.profiles(), profile)?;
            if let Some(m) = p.token(name) {
                let mut m = m.clone();
                m.status = KeyStatus::Revoked;
                m.checked = Some(now());
                // Which client the token was of stays said (`offline` may hold another's).
                let client = detail_client(m.detail.as_deref())
                    .map(|c| format!("client {c}, "))
                    .unwrap_or_default();
                m.detail = Some(format!("{client}{detail}"));
                doc.put_token(profile, &m);
            }
            if forget_access {
                doc.remove_token(profile, ACCESS);
            }
            Ok::<_, Error>(())
        })
    }

    /// Revokes the stored refresh/offline tokens at the identity provider (RFC 7009) and deletes
    /// them locally. Local deletion happens even when the provider cannot be reached.
    pub fn logout(&self, profile: &str) -> Result<Logout> {
        let prof = self.profile(profile)?;
        let mut revoked = false;
        let mut remote_error = None;
        let target = self.auth_target(&prof);
        let default = default_client_of(&prof);
        let mut held: Vec<(SecretId, Option<String>)> = vec![
            (sid(profile, SecretKind::OfflineToken), None),
            (sid(profile, SecretKind::RefreshToken), None),
        ];
        for (client, meta) in offline_tokens(&prof) {
            if meta.name != OFFLINE {
                held.push((
                    offline_sid_named(&prof, &meta.name),
                    (client != default).then_some(client),
                ));
            }
        }
        for (id, slot_client) in &held {
            if let Some(t) = self.store().get(id)? {
                match &target {
                    Ok(target) => {
                        let client = sign_in_of(&prof)?
                            .client_for(azp(&t).as_deref())
                            .map(String::from)
                            .or(slot_client.clone());
                        match target.client(client.as_deref()).revoke(&t) {
                            Ok(()) => revoked = true,
                            Err(e) => remote_error = Some(e.to_string()),
                        }
                    }
                    Err(e) => remote_error = Some(e.to_string()),
                }
            }
        }
        let mut deleted = 0;
        let others = held.iter().skip(2).map(|(id, _)| id.clone());
        for id in [
            sid(profile, SecretKind::OfflineToken),
            sid(profile, SecretKind::RefreshToken),
            sid(profile, SecretKind::AccessToken),
            sid(profile, SecretKind::Password),
        ]
        .into_iter()
        .chain(others)
        {
            if self.store().delete(&id)? {
                deleted += 1;
            }
        }
        let names: Vec<String> = offline_tokens(&prof)
            .into_iter()
            .map(|(_, m)| m.name)
            .collect();
        self.update_profile(profile, |doc| {
            find_profile(doc.profiles(), profile)?;
            for n in [OFFLINE, SESSION, ACCESS] {
                doc.remove_token(profile, n);
            }
            for n in &names {
                doc.remove_token(profile, n);
            }
            Ok::<_, Error>(())
        })?;
        Ok(Logout {
            profile: profile.to_string(),
            revoked_remotely: revoked,
            remote_error,
            deleted_locally: deleted,
        })
    }
}
