//! The sign-in tokens a profile holds, as [`Ctx`] verbs: an offline token obtained elsewhere
//! stored in the slot of its client, the working offline tokens held and their clients, a fresh
//! access token (the cached one, or one minted from an offline token or the session), and
//! marking a token refused or revoked. What the tokens are named and where each lives (metadata
//! names, keyring entries, clients) is in [`crate::signin`], with the sign-in itself.

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::profile::{find_profile, now, KeyMeta, KeyStatus, Profile};
use crate::secret::Secret;
use crate::signin::{
    azp, default_client_of, detail_client, expiry, offline_meta_name, offline_sid,
    offline_sid_named, offline_tokens, sid, sign_in_of, token_meta, AccessToken, ACCESS, OFFLINE,
    SESSION,
};
use crate::store::{SecretId, SecretKind};

/// An access token is reused until this many seconds before it expires.
const ACCESS_MARGIN_SECS: i64 = 60;

impl Ctx<'_> {
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
    pub(crate) fn mark_revoked(
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
}
