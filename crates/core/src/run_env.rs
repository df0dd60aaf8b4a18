//! What `simcred run` hands the child of a profile: the variables of its service's client and,
//! for a client that reads only files, the private hand-over holding them (with `--files`, a
//! sign-in service's own config with the offline token of the client the job needs).

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::providers::provider;
use crate::secret::Secret;

impl Ctx<'_> {
    /// The environment variables `simcred run` gives the child (values include the secret).
    pub fn run_env(&self, profile: &str, name: Option<&str>) -> Result<Vec<(String, String)>> {
        Ok(self.run_handoff(profile, name, false)?.vars)
    }

    /// What `run` gives the child: its variables, and for a client that reads only files, the
    /// private [`Handoff`](crate::handoff::Handoff) holding them (the variables then point at
    /// it); drop the handoff after the child exits. With `files`, a sign-in service's client
    /// gets its own config with the offline token instead of an access token (so it refreshes
    /// by itself); a service that hands over no files refuses it.
    pub fn run_handoff(
        &self,
        profile: &str,
        name: Option<&str>,
        files: bool,
    ) -> Result<crate::handoff::RunEnv> {
        self.run_handoff_for(profile, name, files, None)
    }

    /// [`Ctx::run_handoff`] with `files` handing over the offline token of `client` (SimAI:
    /// the client the job's model needs; `None`: the service's default client). A client asked
    /// for by name without a working token of it is refused, naming it, before anything runs;
    /// without a name, another client's token goes with a note saying so.
    pub fn run_handoff_for(
        &self,
        profile: &str,
        name: Option<&str>,
        files: bool,
        client: Option<&str>,
    ) -> Result<crate::handoff::RunEnv> {
        let prof = self.profile(profile)?;
        let p = provider(prof.service);
        if client.is_some() && !(files && p.sign_in().is_some()) {
            return Err(Error::Invalid(
                "--client picks the offline token `run --files` hands over; it needs --files and a sign-in profile".into(),
            ));
        }
        if let (true, Some(sign_in)) = (files, p.sign_in()) {
            let (offline, note) = self.offline_token_to_hand(&prof, client)?;
            let run_files = sign_in.run_files(&prof, &offline);
            if run_files.is_empty() {
                return Err(no_file_handoff(&prof));
            }
            let h = crate::handoff::Handoff::prepare(&run_files)?;
            return Ok(crate::handoff::RunEnv {
                vars: h.env().to_vec(),
                handoff: Some(h),
                note,
                secrets: vec![offline],
                unset: vec![sign_in.access_token_env().to_string()],
                aftercare: None,
            });
        }
        if let Some(sign_in) = p.sign_in() {
            let t = self.access_token(profile, false)?;
            let var = sign_in.access_token_env();
            // A token that runs out within the hour is worth a word: the child gets no new one.
            let note = t
                .expires
                .as_deref()
                .and_then(|e| chrono::DateTime::parse_from_rfc3339(e).ok())
                .map(|e| (e.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes())
                .filter(|m| *m < 60)
                .map(|m| {
                    format!(
                        "the access token in {var} expires in {} min ({}); the command gets no new one after that",
                        m.max(0),
                        t.expires.as_deref().unwrap_or_default()
                    )
                });
            return Ok(crate::handoff::RunEnv {
                vars: vec![(var.to_string(), t.token.expose().to_string())],
                handoff: None,
                note,
                secrets: vec![t.token],
                unset: vec![],
                aftercare: None,
            });
        }
        if files && crate::providers::handed_over(prof.service).files.is_empty() {
            return Err(no_file_handoff(&prof));
        }
        let (meta, secret) = self.get_key(profile, name)?;
        let mut env = p.env(&prof, &meta.name, &secret);
        let run_files = p.run_files(&prof, &meta.name, &secret);
        let watches = p.run_watch(&prof);
        if run_files.is_empty() && watches.is_empty() {
            return Ok(crate::handoff::RunEnv {
                vars: env,
                handoff: None,
                note: None,
                secrets: vec![secret],
                unset: vec![],
                aftercare: None,
            });
        }
        let h = crate::handoff::Handoff::prepare(&run_files)?;
        env.extend(h.env().iter().cloned());
        let aftercare = if watches.is_empty() {
            None
        } else {
            Some(crate::aftercare::Aftercare::begin(
                h.dir(),
                self.config().dir(),
                &prof.name,
                &meta.name,
                secret.clone(),
                &watches,
            )?)
        };
        Ok(crate::handoff::RunEnv {
            vars: env,
            handoff: Some(h),
            note: None,
            secrets: vec![secret],
            unset: vec![],
            aftercare,
        })
    }

    /// The profile's offline token from its store, if it is there and not known to be dead:
    /// the default client's, else another client's.
    pub(crate) fn stored_offline_token(&self, prof: &Profile) -> Result<Secret> {
        self.held_offline_tokens(prof)?
            .into_iter()
            .next()
            .map(|(_, _, t)| t)
            .ok_or_else(|| Error::NotSignedIn {
                profile: prof.name.clone(),
                offline: true,
            })
    }

    /// The offline token `run --files` hands over for `client` (see [`Ctx::run_handoff_for`]),
    /// and the note to print when it is another client's.
    fn offline_token_to_hand(
        &self,
        prof: &Profile,
        client: Option<&str>,
    ) -> Result<(Secret, Option<String>)> {
        let wanted = self.offline_client(prof, client)?;
        let mut have: Vec<(String, Secret)> = Vec::new();
        for (c, _, t) in self.held_offline_tokens(prof)? {
            if c == wanted {
                return Ok((t, None));
            }
            if !have.iter().any(|(h, _)| *h == c) {
                have.push((c, t));
            }
        }
        let default = self.offline_client(prof, None)?;
        if client.is_some() || have.is_empty() {
            if have.is_empty() && wanted == default {
                return Err(Error::NotSignedIn {
                    profile: prof.name.clone(),
                    offline: true,
                });
            }
            return Err(Error::NoClientToken {
                profile: prof.name.clone(),
                client: wanted,
                have: have.into_iter().map(|(c, _)| c).collect(),
            });
        }
        let (other, t) = have.swap_remove(0);
        let note = format!(
            "profile \"{p}\" has no offline token of client {wanted}, so the job gets the one of client {other}; a job that needs {wanted} (SimAI: server-side optimisation on a model with coreml 3.18–3.19) makes the SDK sign in again by itself. Get one first with `simcred offline-token {p} --client {wanted}`, or pass `--client {other}` to say the job needs that one",
            p = prof.name
        );
        Ok((t, Some(note)))
    }
}

/// `run --files` for a service whose client gets everything from variables.
fn no_file_handoff(prof: &Profile) -> Error {
    let vars: Vec<String> = crate::providers::handed_over(prof.service)
        .variables
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    Error::NotSupported {
        service: prof.service.display_name().to_string(),
        what: format!(
            "run --files (its client reads {}, which run sets without it)",
            if vars.is_empty() {
                "nothing SimCred can hand over".to_string()
            } else {
                vars.join(" and ")
            }
        ),
    }
}
