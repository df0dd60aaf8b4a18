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
//!
//! This file has what the tokens are (names, keyring entries, metadata, the types the verbs
//! return) and the sign-in itself (device and password login); the verbs on the tokens held
//! (an offline token stored from elsewhere, fresh access tokens, marking a token revoked) are
//! in `signin_tokens.rs`, consents and logout in `signin_consents.rs`. Both import this file,
//! never the other way round.

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

pub use crate::profile::{ACCESS, OFFLINE, SESSION};
const SECRET_NAME: &str = "default";
/// The metadata prefix of the offline tokens of clients other than the default one.
const OFFLINE_AT: &str = "offline@";

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
pub(crate) fn azp(token: &Secret) -> Option<String> {
    jwt_claims(token.expose())
        .and_then(|c| c.get("azp").and_then(|a| a.as_str()).map(crate::text::safe))
}

pub(crate) fn sid(profile: &str, kind: SecretKind) -> SecretId {
    SecretId::new(profile, kind, SECRET_NAME)
}

/// The service's default client for a profile (empty for a service without sign-in).
pub(crate) fn default_client_of(prof: &Profile) -> String {
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
pub(crate) fn detail_client(detail: Option<&str>) -> Option<&str> {
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
pub(crate) fn expiry(secs: Option<u64>) -> Option<String> {
    let secs = i64::try_from(secs?).ok()?;
    let d = chrono::Duration::try_seconds(secs)?;
    chrono::Utc::now()
        .checked_add_signed(d)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

pub(crate) fn token_meta(
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

/// The sign-in of a profile's service, or an error saying it has none.
pub(crate) fn sign_in_of(prof: &Profile) -> Result<&'static dyn Provider> {
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
}
