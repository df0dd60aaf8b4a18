//! OAuth 2.0 / OpenID Connect, the protocol every sign-in service uses, against Keycloak-style
//! identity providers: RFC 8628 device authorization, the password grant (with Keycloak's
//! `totp` field), refresh with offline tokens, RFC 7009 revocation, userinfo, and OpenID
//! discovery. Returns tokens and stores nothing (the core's `signin` keeps them). Every reply is
//! hostile until checked: numbers are clamped, server text made safe, secrets cut out.
//!
//! The device-flow polling is written here rather than taken from the `oauth2` crate: its
//! polling loop retries transport errors silently until the code expires and cannot be
//! cancelled, while SimCred must stop at once when the user presses Cancel and say what went
//! wrong when the connection drops.

use crate::http::{Http, HttpError, Reply};
use crate::secret::Secret;
use serde::Serialize;
use serde_json::Value;
use std::time::{Duration, Instant};
use url::Url;

/// Who to ask, for one profile: the client, endpoints and scope of its sign-in.
pub struct AuthTarget {
    pub http: Http,
    pub endpoints: Endpoints,
    pub client_id: String,
    pub scope: String,
}

impl AuthTarget {
    /// A client of the target's identity provider, as `client_id` or the target's own.
    pub fn client(&self, client_id: Option<&str>) -> OidcClient<'_> {
        OidcClient {
            http: &self.http,
            endpoints: &self.endpoints,
            client_id: client_id.unwrap_or(&self.client_id).to_string(),
        }
    }

    /// The scope to ask for; `offline_access` added for an offline token.
    pub fn scope(&self, offline: bool) -> String {
        if offline && !self.scope.split_whitespace().any(|s| s == "offline_access") {
            format!("{} offline_access", self.scope)
        } else {
            self.scope.clone()
        }
    }
}

/// One consent (an offline token granted to a client) as a service's API lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Consent {
    pub client_id: String,
    pub created_date: Option<String>,
    pub last_updated_date: Option<String>,
    pub granted_scopes: Vec<String>,
    /// Whether SimCred's stored offline token belongs to this consent.
    pub stored_here: bool,
}

/// Where an identity provider's endpoints are.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub issuer: String,
    pub token: Url,
    pub device: Option<Url>,
    pub revocation: Option<Url>,
    /// OpenID Connect userinfo: who the access token belongs to.
    pub userinfo: Option<Url>,
}

/// Sign-in failures, as sentences a person can act on. Never contain a secret, and every text
/// that came from the server in them has been made safe ([`crate::text::safe`]).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The identity provider could not be reached.
    #[error("{0}")]
    Http(#[from] HttpError),
    /// The user pressed Deny on the provider's page.
    #[error("the sign-in was denied in the browser")]
    Denied,
    /// The device code ran out before the user approved.
    #[error("the code expired before the sign-in was approved; run the login again")]
    Expired,
    /// The user cancelled the wait.
    #[error("sign-in cancelled")]
    Cancelled,
    /// The password grant was refused for the credentials.
    #[error("the user name, password or one-time code (TOTP) is wrong")]
    BadCredentials,
    /// A refresh or offline token is dead (revoked, expired, session ended).
    #[error("the identity provider says the token is no longer valid ({0}); sign in again")]
    InvalidGrant(String),
    /// The provider does not know the client id.
    #[error(
        "the identity provider does not know client \"{0}\"; check the profile's URL or client id"
    )]
    InvalidClient(String),
    /// Any other OAuth error code.
    #[error("the identity provider refused: {code}{}", .description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Server {
        code: String,
        description: Option<String>,
    },
    /// The reply was not what the protocol says.
    #[error("{0}")]
    BadReply(String),
    /// An API or userinfo answered 401: the access token is not accepted.
    #[error("{0} does not accept the access token (401)")]
    Unauthorized(String),
}

impl AuthError {
    /// Whether the server said the token itself is dead (as opposed to a transport failure).
    pub fn token_is_dead(&self) -> bool {
        matches!(self, AuthError::InvalidGrant(_))
    }
}

/// Tokens from the token endpoint.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access: Secret,
    pub expires_in: Option<u64>,
    pub refresh: Option<Secret>,
    pub scope: Option<String>,
}

/// The device authorization answer (RFC 8628 §3.2).
#[derive(Debug, Clone)]
pub struct DeviceAuth {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    pub interval: u64,
}

/// The longest access-token lifetime believed from a server (ten years); longer ones are cut.
pub const MAX_EXPIRES_IN: u64 = 10 * 365 * 24 * 3600;
/// Device codes: the longest wait for approval believed (30 minutes) and the polling interval
/// bounds (1 to 60 seconds), whatever the server says.
pub const MAX_DEVICE_EXPIRES_IN: u64 = 1800;
pub const MAX_DEVICE_INTERVAL: u64 = 60;

/// A non-negative whole number of seconds from a JSON reply, clamped to `max`: integers,
/// floats and numeric strings are accepted; anything else (negative, NaN, text) is `None`.
fn seconds(v: Option<&Value>, max: u64) -> Option<u64> {
    let n = match v? {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u
            } else {
                let f = n.as_f64()?;
                if !f.is_finite() || f < 0.0 {
                    return None;
                }
                if f >= max as f64 {
                    max
                } else {
                    f as u64
                }
            }
        }
        Value::String(s) => s.trim().parse::<u64>().ok()?,
        _ => return None,
    };
    Some(n.min(max))
}

/// A string field of a reply, or `None` when absent, not a string or empty.
fn text_field(v: &Value, k: &str) -> Option<String> {
    v.get(k)
        .and_then(|x| x.as_str())
        .filter(|x| !x.is_empty())
        .map(String::from)
}

/// Reads the JSON payload of a JWT without checking its signature (for `azp` and `exp` only).
pub fn jwt_claims(token: &str) -> Option<Value> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

pub(crate) fn redirect_check(reply: &Reply, url: &Url) -> Result<(), AuthError> {
    if (300..400).contains(&reply.status) {
        let to = crate::text::safe_short(reply.header("location").unwrap_or("elsewhere"), 200);
        return Err(AuthError::BadReply(format!(
            "{} redirected to {to}; SimCred does not follow redirects with credentials. Check the profile's URL",
            crate::http::origin_of(url)
        )));
    }
    Ok(())
}

pub(crate) fn describe_garbage(reply: &Reply, url: &Url) -> AuthError {
    let what = if reply.looks_like_html() {
        "an HTML page".to_string()
    } else if reply.body.trim().is_empty() {
        "an empty body".to_string()
    } else {
        "something that is not JSON".to_string()
    };
    AuthError::BadReply(format!(
        "{} answered {} with {what}; is the URL right and the identity provider up?",
        crate::text::safe(url.as_str()),
        reply.status
    ))
}

/// Parses an OAuth error body (`error`, `error_description`) into an [`AuthError`]. The
/// server's words are made safe and `secrets` (what the request carried) are cut out of them.
fn oauth_error(reply: &Reply, url: &Url, client_id: &str, secrets: &[&Secret]) -> AuthError {
    let Ok(v) = serde_json::from_str::<Value>(&reply.body) else {
        return describe_garbage(reply, url);
    };
    let code = v
        .get("error")
        .and_then(|e| e.as_str())
        .map(|c| crate::text::from_server(c, secrets))
        .unwrap_or_default();
    let description = v
        .get("error_description")
        .and_then(|e| e.as_str())
        .map(|d| crate::text::from_server(d, secrets));
    match code.as_str() {
        "access_denied" => AuthError::Denied,
        "expired_token" => AuthError::Expired,
        "invalid_client" | "unauthorized_client" => {
            AuthError::InvalidClient(crate::text::safe(client_id))
        }
        "invalid_grant"
            if description
                .as_deref()
                .is_some_and(|d| d.contains("credentials") || d.contains("not fully set up")) =>
        {
            AuthError::BadCredentials
        }
        "invalid_grant" => AuthError::InvalidGrant(description.unwrap_or(code)),
        "" => AuthError::BadReply(format!(
            "{} answered {} without an OAuth error code",
            crate::text::safe(url.as_str()),
            reply.status
        )),
        _ => AuthError::Server { code, description },
    }
}

/// Whether a token can be carried in a header and kept in the keyring: 1 to 64 KiB of
/// visible ASCII.
fn usable_token(t: &str) -> bool {
    !t.is_empty() && t.len() <= 64 * 1024 && t.bytes().all(|b| b.is_ascii_graphic())
}

/// Reads a token endpoint reply (RFC 6749 §5.1): the whole reply is checked before anything
/// is returned, numbers are clamped, and an error reply becomes an [`AuthError`].
pub fn parse_token_reply(reply: &Reply, url: &Url, client_id: &str) -> Result<TokenSet, AuthError> {
    token_reply(reply, url, client_id, &[])
}

/// [`parse_token_reply`], cutting the secrets the request carried out of any error text.
fn token_reply(
    reply: &Reply,
    url: &Url,
    client_id: &str,
    sent: &[&Secret],
) -> Result<TokenSet, AuthError> {
    if reply.status != 200 {
        return Err(oauth_error(reply, url, client_id, sent));
    }
    let shown = crate::text::safe(url.as_str());
    let v: Value = serde_json::from_str(&reply.body).map_err(|_| describe_garbage(reply, url))?;
    if !v.is_object() {
        return Err(describe_garbage(reply, url));
    }
    let access = text_field(&v, "access_token").ok_or_else(|| {
        AuthError::BadReply(format!(
            "{shown} answered without an access_token; nothing was stored"
        ))
    })?;
    let refresh = text_field(&v, "refresh_token");
    if !usable_token(&access) || refresh.as_deref().is_some_and(|r| !usable_token(r)) {
        return Err(AuthError::BadReply(format!(
            "{shown} sent a token SimCred cannot use (empty, over 64 KiB, or with characters a header cannot carry); nothing was stored"
        )));
    }
    Ok(TokenSet {
        access: Secret::new(access),
        expires_in: seconds(v.get("expires_in"), MAX_EXPIRES_IN),
        refresh: refresh.map(Secret::new),
        scope: text_field(&v, "scope").map(|s| crate::text::safe_short(&s, 500)),
    })
}

/// Reads a device authorization reply (RFC 8628 §3.2). `user_code` is made safe to show,
/// `expires_in` is clamped to 1..=1800 s (default 600) and `interval` to 1..=60 s (default 5).
pub fn parse_device_reply(
    reply: &Reply,
    url: &Url,
    client_id: &str,
) -> Result<DeviceAuth, AuthError> {
    if reply.status != 200 {
        return Err(oauth_error(reply, url, client_id, &[]));
    }
    let v: Value = serde_json::from_str(&reply.body).map_err(|_| describe_garbage(reply, url))?;
    if !v.is_object() {
        return Err(describe_garbage(reply, url));
    }
    let (Some(device_code), Some(user_code), Some(verification_uri)) = (
        text_field(&v, "device_code"),
        text_field(&v, "user_code"),
        text_field(&v, "verification_uri"),
    ) else {
        return Err(AuthError::BadReply(format!(
            "{} answered without device_code, user_code or verification_uri",
            crate::text::safe(url.as_str())
        )));
    };
    if device_code.len() > 64 * 1024 {
        return Err(AuthError::BadReply(format!(
            "{} sent a device code over 64 KiB",
            crate::text::safe(url.as_str())
        )));
    }
    Ok(DeviceAuth {
        device_code: Secret::new(device_code),
        user_code: crate::text::safe_short(&user_code, 64),
        verification_uri,
        verification_uri_complete: text_field(&v, "verification_uri_complete"),
        expires_in: seconds(v.get("expires_in"), MAX_DEVICE_EXPIRES_IN)
            .unwrap_or(600)
            .max(1),
        interval: seconds(v.get("interval"), MAX_DEVICE_INTERVAL)
            .unwrap_or(5)
            .max(1),
    })
}

/// One client of one identity provider.
pub struct OidcClient<'a> {
    pub http: &'a Http,
    pub endpoints: &'a Endpoints,
    pub client_id: String,
}

impl OidcClient<'_> {
    fn post(&self, url: &Url, form: &[(&str, &str)]) -> Result<Reply, AuthError> {
        let reply = self
            .http
            .send("POST", url, &[("accept", "application/json")], Some(form))?;
        redirect_check(&reply, url)?;
        Ok(reply)
    }

    /// Starts a device login (RFC 8628 §3.1).
    pub fn start_device(&self, scope: &str) -> Result<DeviceAuth, AuthError> {
        let url = self.endpoints.device.as_ref().ok_or_else(|| {
            AuthError::BadReply(format!(
                "{} offers no device login (no device_authorization_endpoint)",
                crate::text::safe(&self.endpoints.issuer)
            ))
        })?;
        let reply = self.post(url, &[("client_id", &self.client_id), ("scope", scope)])?;
        parse_device_reply(&reply, url, &self.client_id)
    }

    /// Polls the token endpoint until the user approves, denies, the code expires or
    /// `cancelled()` turns true. Honours `interval` and adds 5 s on every `slow_down`.
    pub fn poll_device(
        &self,
        da: &DeviceAuth,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<TokenSet, AuthError> {
        let deadline = Instant::now() + Duration::from_secs(da.expires_in);
        let mut interval = Duration::from_secs(da.interval);
        let mut transport_failures = 0;
        loop {
            wait(interval, deadline, cancelled)?;
            let url = &self.endpoints.token;
            let reply = match self.post(
                url,
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("device_code", da.device_code.expose()),
                    ("client_id", &self.client_id),
                ],
            ) {
                Ok(r) => r,
                // RFC 8628 §3.5: back off on connection trouble, but give up after a few tries
                // so the user hears about it instead of waiting for the code to expire.
                Err(AuthError::Http(e)) => {
                    transport_failures += 1;
                    if transport_failures >= 3 {
                        return Err(AuthError::Http(e));
                    }
                    interval *= 2;
                    continue;
                }
                Err(e) => return Err(e),
            };
            transport_failures = 0;
            if reply.status == 200 {
                return token_reply(&reply, url, &self.client_id, &[&da.device_code]);
            }
            match oauth_error(&reply, url, &self.client_id, &[&da.device_code]) {
                AuthError::Server { code, .. } if code == "authorization_pending" => {}
                AuthError::Server { code, .. } if code == "slow_down" => {
                    interval += Duration::from_secs(5);
                }
                e => return Err(e),
            }
        }
    }

    /// `grant_type=password` with Keycloak's `totp` field (empty when there is none).
    pub fn password(
        &self,
        username: &str,
        password: &Secret,
        totp: Option<&Secret>,
        scope: &str,
    ) -> Result<TokenSet, AuthError> {
        let url = &self.endpoints.token;
        let reply = self.post(
            url,
            &[
                ("grant_type", "password"),
                ("client_id", &self.client_id),
                ("username", username),
                ("password", password.expose()),
                ("totp", totp.map(|t| t.expose()).unwrap_or("")),
                ("scope", scope),
            ],
        )?;
        let mut sent = vec![password];
        sent.extend(totp);
        token_reply(&reply, url, &self.client_id, &sent)
    }

    /// `grant_type=refresh_token`.
    pub fn refresh(&self, refresh_token: &Secret) -> Result<TokenSet, AuthError> {
        let url = &self.endpoints.token;
        let reply = self.post(
            url,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &self.client_id),
                ("refresh_token", refresh_token.expose()),
            ],
        )?;
        token_reply(&reply, url, &self.client_id, &[refresh_token])
    }

    /// RFC 7009 revocation of a refresh (or offline) token.
    pub fn revoke(&self, token: &Secret) -> Result<(), AuthError> {
        let Some(url) = &self.endpoints.revocation else {
            return Err(AuthError::BadReply(format!(
                "{} offers no token revocation endpoint",
                crate::text::safe(&self.endpoints.issuer)
            )));
        };
        let reply = self.post(
            url,
            &[
                ("token", token.expose()),
                ("token_type_hint", "refresh_token"),
                ("client_id", &self.client_id),
            ],
        )?;
        if reply.status == 200 || reply.status == 204 {
            Ok(())
        } else {
            Err(oauth_error(&reply, url, &self.client_id, &[token]))
        }
    }
}

/// Who an access token belongs to, from OpenID Connect userinfo (made safe to show).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// E-mail, else the preferred user name, else the subject.
    pub user: String,
    /// The `organization` claim, when the provider sends one as text.
    pub organization: Option<String>,
}

impl std::fmt::Display for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.organization {
            Some(o) => write!(f, "{} ({o})", self.user),
            None => f.write_str(&self.user),
        }
    }
}

impl OidcClient<'_> {
    /// Asks userinfo who `access` belongs to. `Ok(None)` when the provider has no userinfo
    /// endpoint; [`AuthError::Unauthorized`] when it refuses the token.
    pub fn userinfo(&self, access: &Secret) -> Result<Option<Account>, AuthError> {
        let Some(url) = &self.endpoints.userinfo else {
            return Ok(None);
        };
        let bearer = format!("Bearer {}", access.expose());
        let reply = self.http.send(
            "GET",
            url,
            &[("authorization", &bearer), ("accept", "application/json")],
            None,
        )?;
        redirect_check(&reply, url)?;
        parse_userinfo(&reply, url, access).map(Some)
    }
}

/// Reads a userinfo reply: 401/403 is a refused token; a JSON object with `email`,
/// `preferred_username` or `sub` names the account. Every string is made safe and may not
/// echo the token.
fn parse_userinfo(reply: &Reply, url: &Url, access: &Secret) -> Result<Account, AuthError> {
    let shown = crate::text::safe(url.as_str());
    if reply.status == 401 || reply.status == 403 {
        return Err(AuthError::Unauthorized(shown));
    }
    if reply.status != 200 {
        return Err(AuthError::BadReply(format!(
            "{shown} answered {}",
            reply.status
        )));
    }
    let v: Value = serde_json::from_str(&reply.body).map_err(|_| describe_garbage(reply, url))?;
    let text = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .map(|s| crate::text::from_server(s, &[access]))
            .filter(|s| !s.is_empty())
    };
    let user = text("email")
        .or_else(|| text("preferred_username"))
        .or_else(|| text("sub"))
        .ok_or_else(|| AuthError::BadReply(format!("{shown} named no user")))?;
    Ok(Account {
        user,
        organization: text("organization"),
    })
}

/// Sleeps `d` (cut short at `deadline`) in small steps, returning early on cancel.
fn wait(d: Duration, deadline: Instant, cancelled: &dyn Fn() -> bool) -> Result<(), AuthError> {
    let end = Instant::now() + d;
    loop {
        if cancelled() {
            return Err(AuthError::Cancelled);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(AuthError::Expired);
        }
        if now >= end {
            return Ok(());
        }
        std::thread::sleep(
            (end - now)
                .min(deadline - now)
                .min(Duration::from_millis(50)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            content_type: "application/json".into(),
            headers: vec![],
            body: body.into(),
        }
    }

    #[test]
    fn userinfo_names_the_account_safely_and_401_is_a_refused_token() {
        let url = Url::parse("https://idp.example/userinfo").unwrap();
        let tok = Secret::new("at-secret-value");
        let a = parse_userinfo(
            &reply(
                200,
                r#"{"email":"eve\u001b[2J@x.io at-secret-value","organization":"acme"}"#,
            ),
            &url,
            &tok,
        )
        .unwrap();
        assert!(!a.user.contains('\u{1b}'), "{a:?}");
        assert!(!a.user.contains("at-secret-value"), "{a:?}");
        assert_eq!(a.organization.as_deref(), Some("acme"));
        let a = parse_userinfo(
            &reply(200, r#"{"preferred_username":"jo","organization":{}}"#),
            &url,
            &tok,
        )
        .unwrap();
        assert_eq!(a.to_string(), "jo");
        assert!(matches!(
            parse_userinfo(&reply(401, ""), &url, &tok),
            Err(AuthError::Unauthorized(_))
        ));
        for bad in ["[]", "{}", "not json", r#"{"email":7}"#] {
            assert!(
                parse_userinfo(&reply(200, bad), &url, &tok).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn token_replies_missing_fields_or_garbage_become_sentences() {
        let ep =
            super::super::simai::endpoints(&Url::parse("https://api.example.com/v2/").unwrap());
        let url = &ep.token;
        let e = parse_token_reply(
            &reply(200, r#"{"token_type":"Bearer"}"#),
            url,
            super::super::simai::CLIENT_ID,
        )
        .unwrap_err();
        assert!(e.to_string().contains("without an access_token"), "{e}");
        let e = parse_token_reply(
            &reply(200, "<html>login</html>"),
            url,
            super::super::simai::CLIENT_ID,
        )
        .unwrap_err();
        assert!(e.to_string().contains("HTML page"), "{e}");
        let e = parse_token_reply(
            &reply(
                400,
                r#"{"error":"invalid_grant","error_description":"Offline session not active"}"#,
            ),
            url,
            super::super::simai::CLIENT_ID,
        )
        .unwrap_err();
        assert!(e.token_is_dead(), "{e}");
        let e = parse_token_reply(
            &reply(
                401,
                r#"{"error":"invalid_grant","error_description":"Invalid user credentials"}"#,
            ),
            url,
            super::super::simai::CLIENT_ID,
        )
        .unwrap_err();
        assert!(matches!(e, AuthError::BadCredentials));
        let e = parse_token_reply(
            &reply(401, r#"{"error":"invalid_client"}"#),
            url,
            super::super::simai::CLIENT_ID,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("does not know client \"com.ansys.simai.sdk\""),
            "{e}"
        );
        let t = parse_token_reply(
            &reply(
                200,
                r#"{"access_token":"a.b.c","expires_in":300,"refresh_token":"r"}"#,
            ),
            url,
            super::super::simai::CLIENT_ID,
        )
        .unwrap();
        assert_eq!(t.expires_in, Some(300));
        assert!(t.refresh.is_some());
    }

    #[test]
    fn jwt_payload_is_read() {
        use base64::Engine;
        let p =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"azp":"sdk","exp":5}"#);
        let c = jwt_claims(&format!("h.{p}.s")).unwrap();
        assert_eq!(c["azp"], "sdk");
        assert!(jwt_claims("not-a-jwt").is_none());
    }

    #[test]
    fn numbers_from_servers_are_clamped() {
        let ep =
            super::super::simai::endpoints(&Url::parse("https://api.example.com/v2/").unwrap());
        let url = &ep.token;
        for (raw, want) in [
            ("18446744073709551615", Some(MAX_EXPIRES_IN)),
            ("1e17", Some(MAX_EXPIRES_IN)),
            ("1e308", Some(MAX_EXPIRES_IN)),
            ("-5", None),
            ("\"300\"", Some(300)),
            ("300.5", Some(300)),
            ("null", None),
        ] {
            let body =
                format!(r#"{{"access_token":"a.b.c","refresh_token":"r","expires_in":{raw}}}"#);
            let t =
                parse_token_reply(&reply(200, &body), url, super::super::simai::CLIENT_ID).unwrap();
            assert_eq!(t.expires_in, want, "{raw}");
        }
        let dev = ep.device.clone().unwrap();
        let d = parse_device_reply(
            &reply(
                200,
                r#"{"device_code":"d","user_code":"\u001b[2JAB","verification_uri":"https://x/","expires_in":18446744073709551615,"interval":-1}"#,
            ),
            &dev,
            super::super::simai::CLIENT_ID,
        )
        .unwrap();
        assert_eq!((d.expires_in, d.interval), (MAX_DEVICE_EXPIRES_IN, 5));
        assert!(!d.user_code.contains('\u{1b}'));
        let d = parse_device_reply(
            &reply(
                200,
                r#"{"device_code":"d","user_code":"A","verification_uri":"https://x/","expires_in":0,"interval":1e300}"#,
            ),
            &dev,
            super::super::simai::CLIENT_ID,
        )
        .unwrap();
        assert_eq!((d.expires_in, d.interval), (1, MAX_DEVICE_INTERVAL));
    }

    #[test]
    fn server_words_are_made_safe_and_secrets_cut_out() {
        let ep =
            super::super::simai::endpoints(&Url::parse("https://api.example.com/v2/").unwrap());
        let pw = Secret::new("hunter2-secret");
        let e = token_reply(
            &reply(
                400,
                r#"{"error":"bad\u001b]52;c;eA==\u0007","error_description":"password hunter2-secret is wrong\u001b[2J"}"#,
            ),
            &ep.token,
            super::super::simai::CLIENT_ID,
            &[&pw],
        )
        .unwrap_err()
        .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(!e.chars().any(crate::text::is_unsafe), "{e}");
        let e = parse_token_reply(&reply(200, r#"{"access_token":"a\nb"}"#), &ep.token, "c")
            .unwrap_err();
        assert!(e.to_string().contains("cannot use"), "{e}");
    }
}
