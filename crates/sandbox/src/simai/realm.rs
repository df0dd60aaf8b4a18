//! The realm's endpoints under `/auth/realms/simai`: realm info and OIDC discovery, the device
//! authorization and its browser page, the token endpoint's grants (device code, password,
//! refresh), revocation, logout and `userinfo`.

use std::time::{Duration, Instant};

use serde_json::json;

use super::helpers::{bearer, client_form, invalid_code_page, normalize_user_code, oauth_error};
use super::model::{Device, DeviceStatus, Kind};
use super::tokens::check_refresh_token;
use super::{Simai, DEVICE_GRANT, KNOWN_SCOPES, REALM_PATH, USER_SUB};
use crate::http::{escape_html, Form, Request, Response};
use crate::server::method_not_allowed;
use crate::token;

impl Simai {
    pub(super) fn realm(&self, req: &Request, rest: &str) -> Response {
        const OIDC: &str = "/protocol/openid-connect";
        let path = rest.trim_end_matches('/');
        let post = req.method == "POST";
        match path {
            "" if req.is_get() => self.realm_info(),
            "/.well-known/openid-configuration" if req.is_get() => self.discovery(),
            "/device" if req.is_get() => self.device_page(req),
            "/device/approve" if post => self.device_decision(req, DeviceStatus::Approved),
            "/device/deny" if post => self.device_decision(req, DeviceStatus::Denied),
            _ => match path.strip_prefix(OIDC) {
                Some("/auth") if req.is_get() => Response::html_page(
                    400,
                    "SimAI sandbox",
                    "<p>This sandbox realm does not offer the browser (authorization code) \
                     login. Use the device flow or the password grant.</p>",
                ),
                Some("/auth/device") if post => self.device_authorization(req),
                Some("/token") if post => self.token(req),
                Some("/revoke") if post => self.revoke(req),
                Some("/logout") if post => self.logout(req),
                Some("/userinfo") if req.is_get() || post => self.userinfo(req),
                Some("/auth" | "/userinfo") => method_not_allowed("GET, POST"),
                Some("/auth/device" | "/token" | "/revoke" | "/logout") => {
                    method_not_allowed("POST")
                }
                _ => match path {
                    "" | "/.well-known/openid-configuration" | "/device" => {
                        method_not_allowed("GET")
                    }
                    "/device/approve" | "/device/deny" => method_not_allowed("POST"),
                    _ => oauth_error(
                        404,
                        "not_found",
                        "Unable to find matching target resource method",
                    ),
                },
            },
        }
    }

    fn realm_info(&self) -> Response {
        let realm = self.realm_url();
        Response::json(
            200,
            &json!({
                "realm": "simai",
                "token-service": format!("{realm}/protocol/openid-connect"),
                "account-service": format!("{realm}/account"),
                "tokens-not-before": 0,
            }),
        )
    }

    fn discovery(&self) -> Response {
        let realm = self.realm_url();
        let oidc = format!("{realm}/protocol/openid-connect");
        Response::json(
            200,
            &json!({
                "issuer": realm,
                "authorization_endpoint": format!("{oidc}/auth"),
                "token_endpoint": format!("{oidc}/token"),
                "device_authorization_endpoint": format!("{oidc}/auth/device"),
                "revocation_endpoint": format!("{oidc}/revoke"),
                "end_session_endpoint": format!("{oidc}/logout"),
                "userinfo_endpoint": format!("{oidc}/userinfo"),
                "grant_types_supported": ["password", "refresh_token", DEVICE_GRANT],
                "response_types_supported": ["code"],
                "scopes_supported": KNOWN_SCOPES,
                "token_endpoint_auth_methods_supported": ["none"],
                "revocation_endpoint_auth_methods_supported": ["none"],
            }),
        )
    }

    fn device_authorization(&self, req: &Request) -> Response {
        let (form, client_id) = match client_form(req) {
            Ok(found) => found,
            Err(response) => return response,
        };
        let now = Instant::now();
        let mut state = self.state();
        let user_code = loop {
            let code = token::random_user_code();
            let taken = state.devices.iter().any(|d| {
                d.status == DeviceStatus::Pending
                    && !d.expired(now)
                    && normalize_user_code(&d.user_code) == normalize_user_code(&code)
            });
            if !taken {
                break code;
            }
        };
        let device_code = token::random_hex(32);
        state.device_requests.push(client_id);
        state.devices.push(Device {
            device_code: device_code.clone(),
            user_code: user_code.clone(),
            client_id,
            scope: form.get("scope").unwrap_or_default().to_owned(),
            created: now,
            expires_at: now + Duration::from_secs(self.opts.device_expires_in),
            status: DeviceStatus::Pending,
            last_poll: None,
        });
        let verification_uri = format!("{}/device", self.realm_url());
        Response::json(
            200,
            &json!({
                "device_code": device_code,
                "user_code": user_code,
                "verification_uri_complete": format!("{verification_uri}?user_code={user_code}"),
                "verification_uri": verification_uri,
                "expires_in": self.opts.device_expires_in,
                "interval": self.opts.device_interval,
            }),
        )
    }

    fn token(&self, req: &Request) -> Response {
        self.state().token_requests.push(Instant::now());
        let (form, client_id) = match client_form(req) {
            Ok(found) => found,
            Err(response) => return response,
        };
        match form.non_empty("grant_type") {
            None => oauth_error(400, "invalid_request", "Missing form parameter: grant_type"),
            Some(DEVICE_GRANT) => self.device_grant(&form, client_id),
            Some("password") => self.password_grant(&form, client_id),
            Some("refresh_token") => self.refresh_grant(&form, client_id),
            Some(_) => oauth_error(400, "unsupported_grant_type", "Unsupported grant_type"),
        }
    }

    fn device_grant(&self, form: &Form, client_id: &'static str) -> Response {
        let Some(device_code) = form.non_empty("device_code") else {
            return oauth_error(400, "invalid_request", "Missing parameter: device_code");
        };
        let now = Instant::now();
        let interval = Duration::from_secs(self.opts.device_interval);
        let mut guard = self.state();
        let state = &mut *guard;
        let Some(device) = state.devices.iter_mut().find(|d| {
            d.device_code == device_code
                && d.client_id == client_id
                && d.status != DeviceStatus::Consumed
        }) else {
            return oauth_error(400, "invalid_grant", "Device code not valid");
        };
        let too_soon = device
            .last_poll
            .is_some_and(|last| now.duration_since(last) < interval);
        if state.slow_down_forever || too_soon {
            return oauth_error(400, "slow_down", "Slow down");
        }
        device.last_poll = Some(now);
        if device.expired(now) {
            return oauth_error(400, "expired_token", "Device code is expired");
        }
        match device.status {
            DeviceStatus::Pending => oauth_error(
                400,
                "authorization_pending",
                "The authorization request is still pending",
            ),
            DeviceStatus::Denied => oauth_error(
                400,
                "access_denied",
                "The end user denied the authorization request",
            ),
            DeviceStatus::Approved | DeviceStatus::Consumed => {
                device.status = DeviceStatus::Consumed;
                let scope = device.scope.clone();
                state.last_device_token = Some(now);
                Response::json(200, &self.issue(state, client_id, &scope))
            }
        }
    }

    fn password_grant(&self, form: &Form, client_id: &'static str) -> Response {
        let user_ok = form
            .get("username")
            .is_some_and(|u| u.eq_ignore_ascii_case(&self.opts.user));
        let password_ok = form.get("password") == Some(self.opts.password.as_str());
        let totp_ok = self
            .opts
            .totp
            .as_deref()
            .is_none_or(|code| form.get("totp") == Some(code));
        if !(user_ok && password_ok && totp_ok) {
            return oauth_error(401, "invalid_grant", "Invalid user credentials");
        }
        let scope = form.get("scope").unwrap_or_default();
        let mut state = self.state();
        Response::json(200, &self.issue(&mut state, client_id, scope))
    }

    fn refresh_grant(&self, form: &Form, client_id: &'static str) -> Response {
        let Some(presented) = form.non_empty("refresh_token") else {
            return oauth_error(400, "invalid_request", "Missing parameter: refresh_token");
        };
        let now = Instant::now();
        let mut state = self.state();
        let session_id = match check_refresh_token(&state, presented, client_id, now) {
            Ok(id) => id,
            Err(response) => return response,
        };
        let offline = state.sessions.get(&session_id).is_some_and(|s| s.offline);
        if offline {
            state.record_consent(client_id);
        }
        let keep = (!self.opts.rotate_refresh_tokens).then_some(presented);
        Response::json(200, &self.answer(&mut state, &session_id, keep))
    }

    fn revoke(&self, req: &Request) -> Response {
        let (form, client_id) = match client_form(req) {
            Ok(found) => found,
            Err(response) => return response,
        };
        let Some(presented) = form.non_empty("token") else {
            return oauth_error(400, "invalid_request", "Token not provided");
        };
        let mut guard = self.state();
        let state = &mut *guard;
        // RFC 7009 §2.2: an unknown (or already dead) token is no error.
        let Some(token) = state.tokens.get_mut(presented) else {
            return Response::empty(200);
        };
        let owner = state.sessions.get(&token.session).map(|s| s.client_id);
        if owner != Some(client_id) {
            return oauth_error(400, "invalid_request", "Unmatching clients");
        }
        if token.kind == Kind::Access {
            token.revoked = true;
        } else {
            let session = token.session.clone();
            state.end_session(&session);
        }
        Response::empty(200)
    }

    fn logout(&self, req: &Request) -> Response {
        let (form, client_id) = match client_form(req) {
            Ok(found) => found,
            Err(response) => return response,
        };
        let Some(presented) = form.non_empty("refresh_token") else {
            return oauth_error(400, "invalid_request", "Missing parameter: refresh_token");
        };
        let mut state = self.state();
        match check_refresh_token(&state, presented, client_id, Instant::now()) {
            Ok(session_id) => {
                state.end_session(&session_id);
                Response::empty(204)
            }
            Err(response) => response,
        }
    }

    fn userinfo(&self, req: &Request) -> Response {
        match bearer(req) {
            Some(token) if self.access_ok(token, true) => Response::json(
                200,
                &json!({
                    "sub": USER_SUB,
                    "preferred_username": self.opts.user,
                    "email": self.opts.user,
                    "email_verified": true,
                }),
            ),
            _ => oauth_error(401, "invalid_token", "Token verification failed").with_header(
                "WWW-Authenticate",
                "Bearer realm=\"simai\", error=\"invalid_token\", \
                 error_description=\"Token verification failed\"",
            ),
        }
    }

    // ----- the device page -----

    fn device_page(&self, req: &Request) -> Response {
        let query = req.query_params();
        let Some(user_code) = query.non_empty("user_code") else {
            return Response::html_page(
                200,
                "Device login",
                &format!(
                    "<p>Enter the code that SimCred (or the SimAI SDK) shows you.</p>\n\
                     <form method=\"get\" action=\"{REALM_PATH}/device\">\n\
                     <label for=\"user_code\">Code</label>\n\
                     <input id=\"user_code\" name=\"user_code\" autocomplete=\"off\" autofocus>\n\
                     <button type=\"submit\">Continue</button>\n</form>"
                ),
            );
        };
        let now = Instant::now();
        let mut state = self.state();
        let Some(device) = state.device_by_user_code(user_code) else {
            return invalid_code_page(user_code);
        };
        if device.expired(now) {
            return invalid_code_page(user_code);
        }
        if device.status != DeviceStatus::Pending {
            return Response::html_page(
                400,
                "Device login",
                "<p>This code has already been used. Start the login again in SimCred.</p>",
            );
        }
        let code = escape_html(&device.user_code);
        let client = escape_html(device.client_id);
        let offline = device.scope.split(' ').any(|s| s == "offline_access");
        Response::html_page(
            200,
            "Device login",
            &format!(
                "<p>Signed in to the SimAI sandbox as <strong>{user}</strong>.</p>\n\
                 <p>The application <strong id=\"client-id\">{client}</strong> asks to use your \
                 SimAI account{offline}.</p>\n\
                 <p>Check that it shows this code: <code id=\"user-code\">{code}</code></p>\n\
                 <form method=\"post\" action=\"{REALM_PATH}/device/approve\">\n\
                 <input type=\"hidden\" name=\"user_code\" value=\"{code}\">\n\
                 <button type=\"submit\">Approve</button>\n</form>\n\
                 <form method=\"post\" action=\"{REALM_PATH}/device/deny\">\n\
                 <input type=\"hidden\" name=\"user_code\" value=\"{code}\">\n\
                 <button type=\"submit\">Deny</button>\n</form>",
                user = escape_html(&self.opts.user),
                offline = if offline {
                    ", including offline access (a long-lived token you can revoke later)"
                } else {
                    ""
                },
            ),
        )
    }

    fn device_decision(&self, req: &Request, status: DeviceStatus) -> Response {
        let form = req.form_body();
        let user_code = form.get("user_code").unwrap_or_default();
        if !self.decide(user_code, status) {
            return invalid_code_page(user_code);
        }
        if status == DeviceStatus::Approved {
            Response::html_page(
                200,
                "Device approved",
                "<p>Device approved. You can return to SimCred.</p>",
            )
        } else {
            Response::html_page(200, "Access denied", "<p>Access denied.</p>")
        }
    }
}
