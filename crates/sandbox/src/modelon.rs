//! A fake Modelon Impact server, reachable two ways:
//!
//! - directly under `/modelon/` (`GET api/`, `GET api/users/me`, and the browser page
//!   `admin/server-management` that regenerates the personal key), and
//! - behind a JupyterHub front under `/hub-modelon/` (`GET hub/api/` with the
//!   `x-jupyterhub-version` header, `GET hub/api/user` giving the user's `server` path), with the
//!   same Impact API under `/hub-modelon/user/demo-user/impact/`.
//!
//! Both share one set of valid keys, sent in the `impact-api-key` header. Errors have the Impact
//! shape `{"error": {"message", "code"}}`. Control endpoints: `POST /_sandbox/modelon/keys`
//! (`{"key": "..."}`) and `POST /_sandbox/modelon/regenerate`.

use std::sync::Mutex;

use serde_json::json;

use crate::http::{escape_html, Request, Response};
use crate::server::{below, lock, method_not_allowed, not_found, Vendor};

/// The Impact HTTP API version the fake server reports (`GET api/`): one the pinned vendor
/// client (modelon-impact-client 4.14.1, which accepts ">=4.29.0,<5.0.0") works with.
pub(crate) const IMPACT_VERSION: &str = "4.29.0";
/// The JupyterHub version the fake front reports.
pub(crate) const HUB_VERSION: &str = "4.1.5";
/// Path prefix of the direct server.
pub(crate) const DIRECT_PREFIX: &str = "/modelon";
/// Path prefix of the JupyterHub front.
pub(crate) const HUB_PREFIX: &str = "/hub-modelon";
/// The one user the fake knows.
const USER: &str = "demo-user";
/// Header carrying the key.
const KEY_HEADER: &str = "impact-api-key";

/// The fake's state: the keys valid right now.
pub(crate) struct Modelon {
    keys: Mutex<Vec<String>>,
}

impl Modelon {
    /// A server on which `keys` are valid.
    pub fn new(keys: Vec<String>) -> Modelon {
        Modelon {
            keys: Mutex::new(keys),
        }
    }

    /// Makes `key` valid too.
    pub fn add_key(&self, key: &str) {
        let mut keys = lock(&self.keys);
        if !keys.iter().any(|k| k == key) {
            keys.push(key.to_owned());
        }
    }

    /// Regenerate-and-replace: every old key dies; returns the only valid key.
    pub fn regenerate(&self) -> String {
        let key = crate::token::random_hex(20);
        *lock(&self.keys) = vec![key.clone()];
        key
    }

    fn authorised(&self, req: &Request) -> bool {
        req.header(KEY_HEADER)
            .is_some_and(|key| !key.is_empty() && lock(&self.keys).iter().any(|k| k == key))
    }

    /// The Impact application mounted at `base`; `rest` is the path below it.
    fn impact(&self, req: &Request, base: &str, rest: &str) -> Response {
        match rest.trim_end_matches('/') {
            "/api" if req.is_get() => Response::json(200, &json!({ "version": IMPACT_VERSION })),
            "/api/users/me" if req.is_get() => {
                if !self.authorised(req) {
                    return Response::error(401, "Invalid API key");
                }
                Response::json(
                    200,
                    &json!({ "data": {
                        "id": "u-1",
                        "username": USER,
                        "firstName": "Demo",
                        "lastName": "User",
                        "email": "demo@example.invalid",
                        "license": "impact-pro",
                        "roles": ["impact-user"],
                    }}),
                )
            }
            "/admin/server-management" if req.is_get() => server_management_page(base),
            "/admin/server-management/regenerate" if req.method == "POST" => {
                let key = self.regenerate();
                Response::html_page(
                    200,
                    "Server Management",
                    &format!(
                        "<p>A new API key was generated; every previous key is now invalid.</p>\n\
                         <p><code id=\"api-key\">{}</code></p>\n\
                         <p><strong>This is the only time you will see the secret.</strong> \
                         Copy it now.</p>\n<p><a href=\"{}/admin/server-management\">Back</a></p>",
                        escape_html(&key),
                        escape_html(base),
                    ),
                )
            }
            "/api" | "/api/users/me" | "/admin/server-management" => method_not_allowed("GET"),
            "/admin/server-management/regenerate" => method_not_allowed("POST"),
            _ => not_found(),
        }
    }

    /// The JupyterHub front; `rest` is the path below `/hub-modelon`.
    fn hub(&self, req: &Request, rest: &str) -> Response {
        let impact_base = format!("{HUB_PREFIX}/user/{USER}/impact");
        if let Some(below) = below(rest, &format!("/user/{USER}/impact")) {
            return self.impact(req, &impact_base, below);
        }
        let response = match rest.trim_end_matches('/') {
            "/hub/api" if req.is_get() => Response::json(200, &json!({ "version": HUB_VERSION })),
            "/hub/api/user" if req.is_get() => {
                if !self.authorised(req) {
                    return Response::error(403, "Forbidden")
                        .with_header("x-jupyterhub-version", HUB_VERSION);
                }
                // `server` is an absolute path on the hub's origin: clients should resolve it
                // against the origin (scheme://host:port), not append it to the hub URL, and then
                // add `impact`. Only that canonical path is served.
                Response::json(
                    200,
                    &json!({ "name": USER, "server": format!("{HUB_PREFIX}/user/{USER}/") }),
                )
            }
            "/hub/api" | "/hub/api/user" => method_not_allowed("GET"),
            _ => return not_found(),
        };
        response.with_header("x-jupyterhub-version", HUB_VERSION)
    }
}

impl Vendor for Modelon {
    fn name(&self) -> &'static str {
        "modelon"
    }

    fn handle(&self, req: &Request) -> Option<Response> {
        if let Some(rest) = below(&req.path, DIRECT_PREFIX) {
            return Some(self.impact(req, DIRECT_PREFIX, rest));
        }
        below(&req.path, HUB_PREFIX).map(|rest| self.hub(req, rest))
    }

    fn control(&self, req: &Request, rest: &str) -> Option<Response> {
        match rest {
            "keys" if req.method == "POST" => {
                let key = req
                    .json_body()
                    .and_then(|v| v.get("key").and_then(|k| k.as_str().map(str::to_owned)));
                Some(match key {
                    Some(key) if !key.trim().is_empty() => {
                        self.add_key(key.trim());
                        Response::empty(204)
                    }
                    _ => Response::error(400, "Expected a JSON body {\"key\": \"...\"}"),
                })
            }
            "regenerate" if req.method == "POST" => {
                Some(Response::json(200, &json!({ "key": self.regenerate() })))
            }
            "keys" | "regenerate" => Some(method_not_allowed("POST")),
            _ => None,
        }
    }
}

fn server_management_page(base: &str) -> Response {
    Response::html_page(
        200,
        "Server Management",
        &format!(
            "<h2>API key</h2>\n\
             <p>Your personal API key lets the Python client and other tools act as you. \
             Regenerating it replaces the current key: the old key stops working at once.</p>\n\
             <form method=\"post\" action=\"{}/admin/server-management/regenerate\">\n\
             <button type=\"submit\">Regenerate and replace key</button>\n</form>",
            escape_html(base)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str, key: Option<&str>) -> Response {
        let mut headers = vec![("Host".to_owned(), "127.0.0.1".to_owned())];
        if let Some(key) = key {
            headers.push((KEY_HEADER.to_owned(), key.to_owned()));
        }
        let req = Request {
            method: "GET".into(),
            path: path.into(),
            query: None,
            headers,
            body: Vec::new(),
        };
        Modelon::new(vec!["k1".into()])
            .handle(&req)
            .expect("a modelon path")
    }

    #[test]
    fn routes_only_its_prefixes() {
        let m = Modelon::new(Vec::new());
        let req = |path: &str| Request {
            method: "GET".into(),
            path: path.into(),
            query: None,
            headers: Vec::new(),
            body: Vec::new(),
        };
        assert!(m.handle(&req("/modelonx/api/")).is_none());
        assert!(m.handle(&req("/other")).is_none());
        assert!(m.handle(&req("/modelon")).is_some());
        assert!(m.handle(&req("/hub-modelon/")).is_some());
    }

    #[test]
    fn tolerates_missing_trailing_slash() {
        assert_eq!(get("/modelon/api", None).status, 200);
        assert_eq!(get("/modelon/api/users/me/", Some("k1")).status, 200);
        assert_eq!(get("/hub-modelon/hub/api", None).status, 200);
    }

    #[test]
    fn hub_impact_needs_a_key() {
        let path = "/hub-modelon/user/demo-user/impact/api/users/me";
        assert_eq!(get(path, Some("k1")).status, 200);
        assert_eq!(get(path, Some("nope")).status, 401);
        assert_eq!(get(path, Some("")).status, 401);
        assert_eq!(get("/hub-modelon/user/other/impact/api/", None).status, 404);
    }

    #[test]
    fn regenerate_replaces_every_key() {
        let m = Modelon::new(vec!["a".into(), "b".into()]);
        let new = m.regenerate();
        assert_eq!(*lock(&m.keys), vec![new.clone()]);
        assert_ne!(m.regenerate(), new);
    }
}
