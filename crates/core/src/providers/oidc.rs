//! OAuth 2.0 / OpenID Connect sign-in against Keycloak-style identity providers: RFC 8628 device
//! authorization, the password grant (with Keycloak's `totp` field), refresh with offline tokens,
//! and RFC 7009 revocation. Ansys SimAI is one preset of this (realm
//! `{api host}/auth/realms/simai`, public client `com.ansys.simai.sdk`).
//!
//! The device-flow polling is written here rather than taken from the `oauth2` crate: its
//! polling loop retries transport errors silently until the code expires and cannot be
//! cancelled, while SimCred must stop at once when the user presses Cancel and say what went
//! wrong when the connection drops.

use crate::http::{Http, HttpError, Reply};
use crate::secret::Secret;
use serde_json::Value;
use std::time::{Duration, Instant};
use url::Url;

/// The SDK's public client id.
pub const SIMAI_CLIENT_ID: &str = "com.ansys.simai.sdk";
/// The client id of legacy SimAI offline tokens (`azp: "sdk"`).
pub const SIMAI_LEGACY_CLIENT_ID: &str = "sdk";
/// The SimAI API's default URL.
pub const SIMAI_DEFAULT_URL: &str = "https://api.simai.ansys.com/v2/";

/// Where an identity provider's endpoints are.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub issuer: String,
    pub token: Url,
    pub device: Option<Url>,
    pub revocation: Option<Url>,
}

/// The SimAI realm for an API URL: `urljoin(api_url, "/auth/realms/simai")`.
pub fn simai_realm(api_url: &Url) -> Url {
    api_url
        .join("/auth/realms/simai")
        .expect("absolute path join")
}

/// SimAI's endpoints, derived from the API URL as the SDK does (no discovery round trip).
pub fn simai_endpoints(api_url: &Url) -> Endpoints {
    let realm = simai_realm(api_url);
    let p = |s: &str| Url::parse(&format!("{realm}/protocol/openid-connect/{s}")).expect("valid");
    Endpoints {
        issuer: realm.to_string(),
        token: p("token"),
        device: Some(p("auth/device")),
        revocation: Some(p("revoke")),
    }
}

/// Sign-in failures, as sentences a person can act on. Never contain a secret.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Http(#[from] HttpError),
    #[error("the sign-in was denied in the browser")]
    Denied,
    #[error("the code expired before the sign-in was approved; run the login again")]
    Expired,
    #[error("sign-in cancelled")]
    Cancelled,
    #[error("the user name, password or one-time code (TOTP) is wrong")]
    BadCredentials,
    #[error("the identity provider says the token is no longer valid ({0}); sign in again")]
    InvalidGrant(String),
    #[error(
        "the identity provider does not know client \"{0}\"; check the profile's URL or client id"
    )]
    InvalidClient(String),
    #[error("the identity provider refused: {code}{}", .description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Server {
        code: String,
        description: Option<String>,
    },
    #[error("{0}")]
    BadReply(String),
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

/// Reads the JSON payload of a JWT without checking its signature (for `azp` and `exp` only).
pub fn jwt_claims(token: &str) -> Option<Value> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn redirect_check(reply: &Reply, url: &Url) -> Result<(), AuthError> {
    if (300..400).contains(&reply.status) {
        let to = reply.header("location").unwrap_or("elsewhere");
        return Err(AuthError::BadReply(format!(
            "{} redirected to {to}; SimCred does not follow redirects with credentials. Check the profile's URL",
            url.host_str().unwrap_or("")
        )));
    }
    Ok(())
}

fn describe_garbage(reply: &Reply, url: &Url) -> AuthError {
    let what = if reply.looks_like_html() {
        "an HTML page".to_string()
    } else if reply.body.trim().is_empty() {
        "an empty body".to_string()
    } else {
        "something that is not JSON".to_string()
    };
    AuthError::BadReply(format!(
        "{url} answered {} with {what}; is the URL right and the identity provider up?",
        reply.status
    ))
}

/// Parses an OAuth error body (`error`, `error_description`) into an [`AuthError`].
fn oauth_error(reply: &Reply, url: &Url, client_id: &str) -> AuthError {
    let Ok(v) = serde_json::from_str::<Value>(&reply.body) else {
        return describe_garbage(reply, url);
    };
    let code = v
        .get("error")
        .and_then(|e| e.as_str())
        .unwrap_or("")
        .to_string();
    let description = v
        .get("error_description")
        .and_then(|e| e.as_str())
        .map(super::short);
    match code.as_str() {
        "access_denied" => AuthError::Denied,
        "expired_token" => AuthError::Expired,
        "invalid_client" | "unauthorized_client" => AuthError::InvalidClient(client_id.into()),
        "invalid_grant"
            if description
                .as_deref()
                .is_some_and(|d| d.contains("credentials") || d.contains("not fully set up")) =>
        {
            AuthError::BadCredentials
        }
        "invalid_grant" => AuthError::InvalidGrant(description.unwrap_or(code)),
        "" => AuthError::BadReply(format!(
            "{url} answered {} without an OAuth error code",
            reply.status
        )),
        _ => AuthError::Server { code, description },
    }
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

    fn tokens(&self, reply: &Reply, url: &Url) -> Result<TokenSet, AuthError> {
        if reply.status != 200 {
            return Err(oauth_error(reply, url, &self.client_id));
        }
        let v: Value =
            serde_json::from_str(&reply.body).map_err(|_| describe_garbage(reply, url))?;
        let access = v
            .get("access_token")
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                AuthError::BadReply(format!(
                    "{url} answered without an access_token; nothing was stored"
                ))
            })?;
        Ok(TokenSet {
            access: Secret::new(access),
            expires_in: v.get("expires_in").and_then(|e| e.as_u64()),
            refresh: v
                .get("refresh_token")
                .and_then(|t| t.as_str())
                .filter(|t| !t.is_empty())
                .map(Secret::new),
            scope: v.get("scope").and_then(|s| s.as_str()).map(String::from),
        })
    }

    /// Starts a device login (RFC 8628 §3.1).
    pub fn start_device(&self, scope: &str) -> Result<DeviceAuth, AuthError> {
        let url = self.endpoints.device.as_ref().ok_or_else(|| {
            AuthError::BadReply(format!(
                "{} offers no device login (no device_authorization_endpoint)",
                self.endpoints.issuer
            ))
        })?;
        let reply = self.post(url, &[("client_id", &self.client_id), ("scope", scope)])?;
        if reply.status != 200 {
            return Err(oauth_error(&reply, url, &self.client_id));
        }
        let v: Value =
            serde_json::from_str(&reply.body).map_err(|_| describe_garbage(&reply, url))?;
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(String::from);
        let (Some(device_code), Some(user_code), Some(verification_uri)) =
            (s("device_code"), s("user_code"), s("verification_uri"))
        else {
            return Err(AuthError::BadReply(format!(
                "{url} answered without device_code, user_code or verification_uri"
            )));
        };
        Ok(DeviceAuth {
            device_code: Secret::new(device_code),
            user_code,
            verification_uri,
            verification_uri_complete: s("verification_uri_complete"),
            expires_in: v.get("expires_in").and_then(|e| e.as_u64()).unwrap_or(600),
            interval: v
                .get("interval")
                .and_then(|e| e.as_u64())
                .unwrap_or(5)
                .max(1),
        })
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
                return self.tokens(&reply, url);
            }
            match oauth_error(&reply, url, &self.client_id) {
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
        self.tokens(&reply, url)
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
        self.tokens(&reply, url)
    }

    /// RFC 7009 revocation of a refresh (or offline) token.
    pub fn revoke(&self, token: &Secret) -> Result<(), AuthError> {
        let Some(url) = &self.endpoints.revocation else {
            return Err(AuthError::BadReply(format!(
                "{} offers no token revocation endpoint",
                self.endpoints.issuer
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
            Err(oauth_error(&reply, url, &self.client_id))
        }
    }
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

/// Discovers endpoints from `{issuer}/.well-known/openid-configuration`.
pub fn discover(http: &Http, issuer: &Url) -> Result<Endpoints, AuthError> {
    let base = issuer.as_str().trim_end_matches('/');
    let url = Url::parse(&format!("{base}/.well-known/openid-configuration"))
        .map_err(|e| AuthError::BadReply(format!("bad issuer URL: {e}")))?;
    let reply = http.send("GET", &url, &[("accept", "application/json")], None)?;
    redirect_check(&reply, &url)?;
    if reply.status != 200 {
        return Err(AuthError::BadReply(format!(
            "{url} answered {}; is the issuer URL right?",
            reply.status
        )));
    }
    let v: Value = serde_json::from_str(&reply.body).map_err(|_| describe_garbage(&reply, &url))?;
    let get = |k: &str| -> Option<Url> {
        v.get(k)
            .and_then(|x| x.as_str())
            .and_then(|s| crate::http::parse_service_url(s).ok())
    };
    Ok(Endpoints {
        issuer: v
            .get("issuer")
            .and_then(|x| x.as_str())
            .unwrap_or(base)
            .to_string(),
        token: get("token_endpoint")
            .ok_or_else(|| AuthError::BadReply(format!("{url} has no usable token_endpoint")))?,
        device: get("device_authorization_endpoint"),
        revocation: get("revocation_endpoint"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simai_realm_is_on_the_api_host() {
        let e = simai_endpoints(&Url::parse("https://api.simai.ansys.com/v2/").unwrap());
        assert_eq!(e.issuer, "https://api.simai.ansys.com/auth/realms/simai");
        assert_eq!(
            e.device.unwrap().as_str(),
            "https://api.simai.ansys.com/auth/realms/simai/protocol/openid-connect/auth/device"
        );
    }

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            content_type: "application/json".into(),
            headers: vec![],
            body: body.into(),
        }
    }

    #[test]
    fn token_replies_missing_fields_or_garbage_become_sentences() {
        let http = Http::new(&Default::default()).unwrap();
        let ep = simai_endpoints(&Url::parse("https://api.example.com/v2/").unwrap());
        let c = OidcClient {
            http: &http,
            endpoints: &ep,
            client_id: SIMAI_CLIENT_ID.into(),
        };
        let url = &ep.token;
        let e = c
            .tokens(&reply(200, r#"{"token_type":"Bearer"}"#), url)
            .unwrap_err();
        assert!(e.to_string().contains("without an access_token"), "{e}");
        let e = c
            .tokens(&reply(200, "<html>login</html>"), url)
            .unwrap_err();
        assert!(e.to_string().contains("HTML page"), "{e}");
        let e = c
            .tokens(
                &reply(
                    400,
                    r#"{"error":"invalid_grant","error_description":"Offline session not active"}"#,
                ),
                url,
            )
            .unwrap_err();
        assert!(e.token_is_dead(), "{e}");
        let e = c
            .tokens(
                &reply(
                    401,
                    r#"{"error":"invalid_grant","error_description":"Invalid user credentials"}"#,
                ),
                url,
            )
            .unwrap_err();
        assert!(matches!(e, AuthError::BadCredentials));
        let e = c
            .tokens(&reply(401, r#"{"error":"invalid_client"}"#), url)
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("does not know client \"com.ansys.simai.sdk\""),
            "{e}"
        );
        let t = c
            .tokens(
                &reply(
                    200,
                    r#"{"access_token":"a.b.c","expires_in":300,"refresh_token":"r"}"#,
                ),
                url,
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
}
