//! Issuing and checking the realm's tokens: sessions, JWT-shaped access, refresh, offline and
//! ID tokens, and the checks of a presented refresh or access token.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::helpers::{claims, granted_scope, oauth_error, unix_now};
use super::model::{Kind, Session, State, Token};
use super::{Simai, REFRESH_TTL, USER_SUB};
use crate::http::Response;
use crate::token;

impl Simai {
    /// Starts a session for `client_id` with the `requested` scopes and issues its first tokens;
    /// returns the token endpoint's answer.
    pub(super) fn issue(
        &self,
        state: &mut State,
        client_id: &'static str,
        requested: &str,
    ) -> Value {
        let scope = granted_scope(requested);
        let offline = scope.split(' ').any(|s| s == "offline_access");
        let session_id = token::random_uuid();
        state.sessions.insert(
            session_id.clone(),
            Session {
                client_id,
                scope,
                offline,
                active: true,
            },
        );
        if offline {
            state.record_consent(client_id);
        }
        self.answer(state, &session_id, None)
    }

    /// New tokens for a live session: a fresh access token, and a fresh refresh token unless
    /// `keep_refresh` (the one presented, when rotation is off).
    pub(super) fn answer(
        &self,
        state: &mut State,
        session_id: &str,
        keep_refresh: Option<&str>,
    ) -> Value {
        let Some(session) = state.sessions.get(session_id) else {
            return Value::Null;
        };
        let (client_id, scope, offline) =
            (session.client_id, session.scope.clone(), session.offline);
        let now = Instant::now();
        let ttl = self.access_ttl.load(Ordering::SeqCst);
        let access = self.jwt(Kind::Access, client_id, &scope, session_id, Some(ttl));
        state.tokens.insert(
            access.clone(),
            Token {
                kind: Kind::Access,
                session: session_id.to_owned(),
                expires_at: Some(now + Duration::from_secs(ttl)),
                revoked: false,
            },
        );
        let (kind, refresh_ttl) = if offline {
            (Kind::Offline, None)
        } else {
            (Kind::Refresh, Some(REFRESH_TTL))
        };
        let refresh = if let Some(kept) = keep_refresh {
            kept.to_owned()
        } else {
            let refresh = self.jwt(kind, client_id, &scope, session_id, refresh_ttl);
            state.tokens.insert(
                refresh.clone(),
                Token {
                    kind,
                    session: session_id.to_owned(),
                    expires_at: refresh_ttl.map(|s| now + Duration::from_secs(s)),
                    revoked: false,
                },
            );
            refresh
        };
        let mut answer = json!({
            "access_token": access,
            "expires_in": ttl,
            "refresh_expires_in": refresh_ttl.unwrap_or(0),
            "refresh_token": refresh,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "session_state": session_id,
            "scope": scope,
        });
        if scope.split(' ').any(|s| s == "openid") {
            answer["id_token"] =
                Value::String(self.jwt_with_typ("ID", client_id, &scope, session_id, Some(ttl)));
        }
        answer
    }

    fn jwt(
        &self,
        kind: Kind,
        client_id: &str,
        scope: &str,
        session_id: &str,
        ttl: Option<u64>,
    ) -> String {
        self.jwt_with_typ(kind.typ(), client_id, scope, session_id, ttl)
    }

    /// A JWT-shaped token: real header and claims, a random signature.
    fn jwt_with_typ(
        &self,
        typ: &str,
        client_id: &str,
        scope: &str,
        session_id: &str,
        ttl: Option<u64>,
    ) -> String {
        let iat = unix_now();
        let mut claims = json!({
            "iat": iat,
            "jti": token::random_uuid(),
            "iss": self.realm_url(),
            "sub": USER_SUB,
            "typ": typ,
            "azp": client_id,
            "sid": session_id,
            "scope": scope,
            "preferred_username": self.opts.user,
        });
        // Offline tokens have no `exp`, as Keycloak's do not.
        if let Some(ttl) = ttl {
            claims["exp"] = json!(iat + ttl);
        }
        if typ == "Bearer" || typ == "ID" {
            claims["email"] = json!(self.opts.user);
        }
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": "simcred-sandbox"});
        format!(
            "{}.{}.{}",
            token::base64url(header.to_string().as_bytes()),
            token::base64url(claims.to_string().as_bytes()),
            token::base64url(&token::random_bytes(32)),
        )
    }

    /// Whether `bearer` is a live access token.
    pub(super) fn access_ok(&self, bearer: &str, need_session: bool) -> bool {
        let now = Instant::now();
        let state = self.state();
        state.tokens.get(bearer).is_some_and(|t| {
            t.kind == Kind::Access
                && !t.revoked
                && !t.expired(now)
                && (!need_session || state.sessions.get(&t.session).is_some_and(|s| s.active))
        })
    }
}

/// Checks a refresh (or offline) token for `client_id`; returns its live session, or the
/// Keycloak error.
pub(super) fn check_refresh_token(
    state: &State,
    presented: &str,
    client_id: &str,
    now: Instant,
) -> Result<String, Response> {
    let invalid = |description: &str| Err(oauth_error(400, "invalid_grant", description));
    let Some(token) = state.tokens.get(presented) else {
        // Unknown here (another sandbox's, say): answer from its claims, as Keycloak would
        // after checking the signature.
        return match claims(presented)
            .as_ref()
            .and_then(|c| c.get("typ")?.as_str())
        {
            Some("Offline") => invalid("Offline session not active"),
            Some("Refresh") => invalid("Session not active"),
            _ => invalid("Invalid refresh token"),
        };
    };
    let not_active = if token.kind == Kind::Offline {
        "Offline session not active"
    } else {
        "Session not active"
    };
    let session = match token.kind {
        Kind::Access => return invalid("Invalid refresh token"),
        Kind::Refresh | Kind::Offline => state.sessions.get(&token.session),
    };
    let Some(session) = session.filter(|s| s.active && !token.revoked) else {
        return invalid(not_active);
    };
    if token.expired(now) {
        return invalid("Token is not active");
    }
    if session.client_id != client_id {
        return invalid("Invalid refresh token. Token client and authorized client don't match");
    }
    Ok(token.session.clone())
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::helpers::claims;
    use super::super::{Simai, SimaiOptions};
    use crate::token;

    #[test]
    fn tokens_are_jwt_shaped() {
        let simai = Simai::new(SimaiOptions::default());
        simai.set_origin("http://127.0.0.1:1".to_owned());
        let token = simai.mint_legacy_offline_token();
        assert_eq!(token.split('.').count(), 3);
        let c = claims(&token).unwrap();
        assert_eq!(c["typ"], "Offline");
        assert_eq!(c["azp"], "sdk");
        assert_eq!(c["iss"], "http://127.0.0.1:1/auth/realms/simai");
        assert_eq!(c["preferred_username"], "demo@example.com");
        assert!(c.get("exp").is_none(), "offline tokens do not expire");
        let header: Value = serde_json::from_slice(
            &token::base64url_decode(token.split('.').next().unwrap()).unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], "RS256");
        assert_eq!(simai.consents(), [("sdk".to_owned(), 1)]);
    }
}
