//! Consents and logout, as [`Ctx`] verbs: the consents (offline tokens granted to clients)
//! listed and revoked at the service's consents API, a revoked consent's stored token deleted
//! with it, and logout (the stored refresh and offline tokens revoked at the identity provider
//! and deleted here). The types they return are in [`crate::signin`].

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::profile::{find_profile, Profile};
use crate::providers::oauth::AuthError;
use crate::signin::{
    azp, default_client_of, offline_sid_named, offline_tokens, sid, sign_in_of, Consent, Logout,
    ACCESS, OFFLINE, SESSION,
};
use crate::store::{SecretId, SecretKind};

/// The consents API of a profile's service, or an error saying it has none.
fn consents_of(prof: &Profile) -> Result<&'static dyn crate::providers::Consents> {
    sign_in_of(prof)?
        .consents()
        .ok_or_else(|| Error::NotSupported {
            service: prof.service.display_name().to_string(),
            what: "consents".into(),
        })
}

impl Ctx<'_> {
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
