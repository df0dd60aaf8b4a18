//! Asking each service, now, whether a profile's credentials work: the Refresh button and the
//! app's background refresh, and `simcred status --check`. A key profile's keys are checked
//! with the service (Modelon `/api/users/me`); a sign-in profile mints a fresh access token
//! from its offline or session token and asks userinfo who it belongs to. The answer is
//! recorded beside the metadata (valid/refused with the time, the account), and a service that
//! cannot be reached is noted apart from the credential's own state. Profiles are asked in
//! parallel, at most [`PARALLEL`] at a time.

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::profile::{now, KeyMeta, KeyStatus, Profile};
use crate::providers::oauth::AuthError;
use crate::providers::KeyPolicy;
use crate::signin::{OFFLINE, SESSION};
use serde::Serialize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// How many profiles are asked at once.
pub const PARALLEL: usize = 4;

/// What asking one profile's service found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Verdict {
    /// The service accepted the credential; `account` is who it belongs to, when it said.
    Valid { account: Option<String> },
    /// The service refused the credential (now recorded as invalid or revoked).
    Refused { reason: String },
    /// The service could not be asked; the credential's recorded state is unchanged.
    Unreachable { reason: String },
    /// Nothing to ask: no key, not signed in, or keys the service cannot check.
    Skipped { reason: String },
    /// Something on this side failed (keyring, settings, profiles file).
    Failed { message: String },
}

/// One profile's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    pub profile: String,
    #[serde(flatten)]
    pub verdict: Verdict,
}

impl Ctx<'_> {
    /// Asks the service of `profile` whether its credentials work and records the answer.
    pub fn verify(&self, profile: &str) -> Verified {
        self.verify_with(profile, true)
    }

    /// [`Ctx::verify`]; with `metered` false, keys whose every check counts against a plan
    /// (Dlubal) are skipped, not asked.
    pub fn verify_with(&self, profile: &str, metered: bool) -> Verified {
        let verdict = match self.profile(profile) {
            Ok(p) if !metered && p.service.provider().metered() && !p.keys.is_empty() => {
                Verdict::Skipped {
                    reason: format!(
                        "{} keys are checked only when asked: each check may count against the company's monthly API requests",
                        p.service.display_name()
                    ),
                }
            }
            Ok(p) if p.service.provider().key_policy() == KeyPolicy::TokensOnly => {
                self.verify_sign_in(&p)
            }
            Ok(p) => self.verify_keys(&p),
            Err(e) => Verdict::Failed {
                message: e.to_string(),
            },
        };
        Verified {
            profile: profile.to_string(),
            verdict,
        }
    }

    fn verify_keys(&self, p: &Profile) -> Verdict {
        if p.keys.is_empty() {
            return Verdict::Skipped {
                reason: "no key stored".into(),
            };
        }
        if !p.service.provider().checkable() {
            return Verdict::Skipped {
                reason: format!(
                    "{} keys cannot be checked from here",
                    p.service.display_name()
                ),
            };
        }
        let mut account = None;
        let mut unreachable = None;
        for k in &p.keys {
            match self.check_key(&p.name, Some(&k.name)) {
                Ok(r) if r.unreachable.is_some() => unreachable = r.unreachable,
                Ok(r) if r.key.status == KeyStatus::Valid => {
                    if k.default || account.is_none() {
                        account = r.key.account;
                    }
                }
                Ok(r) => {
                    return Verdict::Refused {
                        reason: format!(
                            "key \"{}\": {}",
                            r.key.name,
                            r.key.detail.as_deref().unwrap_or("refused")
                        ),
                    }
                }
                Err(e) => {
                    return Verdict::Failed {
                        message: e.to_string(),
                    }
                }
            }
        }
        match unreachable {
            Some(reason) => Verdict::Unreachable { reason },
            None => Verdict::Valid { account },
        }
    }

    fn verify_sign_in(&self, p: &Profile) -> Verdict {
        // The tokens `access_token` refreshes from, in its order: the default client's offline
        // token, the session, other clients' offline tokens.
        let mut held: Vec<KeyMeta> = [OFFLINE, SESSION]
            .into_iter()
            .filter_map(|n| p.token(n).cloned())
            .collect();
        held.extend(
            crate::signin::offline_tokens(p)
                .into_iter()
                .map(|(_, m)| m)
                .filter(|m| m.name != OFFLINE),
        );
        let Some(used) = held
            .iter()
            .find(|m| !m.status.needs_attention())
            .map(|m| m.name.clone())
        else {
            return match held.first() {
                Some(dead) => Verdict::Refused {
                    reason: format!(
                        "the {} token is {}{}",
                        dead.name,
                        dead.status,
                        dead.detail
                            .as_deref()
                            .map(|d| format!(" ({d})"))
                            .unwrap_or_default()
                    ),
                },
                None => Verdict::Skipped {
                    reason: "not signed in".into(),
                },
            };
        };
        let access = match self.access_token(&p.name, true) {
            Ok(a) => a,
            Err(e @ Error::Auth(AuthError::InvalidGrant(_))) => {
                return Verdict::Refused {
                    reason: e.to_string(),
                }
            }
            Err(e @ (Error::Http(_) | Error::Auth(AuthError::Http(_)))) => {
                let reason = e.to_string();
                return match self.note_unreachable(&p.name, &used, &reason) {
                    Ok(()) => Verdict::Unreachable { reason },
                    Err(e) => Verdict::Failed {
                        message: e.to_string(),
                    },
                };
            }
            Err(e) => {
                return Verdict::Failed {
                    message: e.to_string(),
                }
            }
        };
        let who = self
            .auth_target(p)
            .and_then(|t| Ok(t.client(None).userinfo(&access.token)?));
        match who {
            Ok(account) => {
                let account = account.map(|a| match p.setting("organization") {
                    Some(org) if a.organization.is_none() => format!("{a} ({org})"),
                    _ => a.to_string(),
                });
                match self.note_answer(&p.name, &used, account.clone()) {
                    Ok(()) => Verdict::Valid { account },
                    Err(e) => Verdict::Failed {
                        message: e.to_string(),
                    },
                }
            }
            Err(Error::Auth(AuthError::Unauthorized(by))) => {
                let _ = self.mark_access_refused(&p.name, &by);
                Verdict::Refused {
                    reason: format!("{by} does not accept a freshly minted access token (401)"),
                }
            }
            // The token endpoint answered; only the account is unknown.
            Err(_) => Verdict::Valid { account: None },
        }
    }

    /// Records that the token `used` worked just now, and whose it is.
    fn note_answer(&self, profile: &str, used: &str, account: Option<String>) -> Result<()> {
        self.update_profile(profile, |doc| {
            let p = crate::profile::find_profile(doc.profiles(), profile)?;
            if let Some(m) = p.token(used) {
                let mut m = m.clone();
                m.status = KeyStatus::Valid;
                m.checked = Some(now());
                m.unreachable = None;
                m.unreachable_detail = None;
                if account.is_some() {
                    m.account = account.clone();
                }
                doc.put_token(profile, &m);
            }
            Ok::<_, Error>(())
        })
    }

    /// Records that the identity provider could not be asked about the token `used`.
    fn note_unreachable(&self, profile: &str, used: &str, reason: &str) -> Result<()> {
        self.update_profile(profile, |doc| {
            let p = crate::profile::find_profile(doc.profiles(), profile)?;
            if let Some(m) = p.token(used) {
                let mut m = m.clone();
                m.unreachable = Some(now());
                m.unreachable_detail = Some(reason.to_string());
                doc.put_token(profile, &m);
            }
            Ok::<_, Error>(())
        })
    }
}

/// Asks every profile's service, at most [`PARALLEL`] at a time; results in profile order. With
/// `metered` false (the app's checks at start and in the background), services whose every
/// check counts against a plan are not asked.
pub fn verify_all(ctx: Ctx<'_>, metered: bool) -> Result<Vec<Verified>> {
    let names: Vec<String> = ctx.list_profiles()?.into_iter().map(|p| p.name).collect();
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, Verified)>> = Mutex::new(Vec::with_capacity(names.len()));
    std::thread::scope(|s| {
        for _ in 0..PARALLEL.min(names.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(name) = names.get(i) else { break };
                let v = ctx.verify_with(name, metered);
                if let Ok(mut d) = done.lock() {
                    d.push((i, v));
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|p| p.into_inner());
    done.sort_by_key(|(i, _)| *i);
    Ok(done.into_iter().map(|(_, v)| v).collect())
}
