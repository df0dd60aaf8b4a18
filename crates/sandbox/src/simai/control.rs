//! What the `Sandbox` asks of the fake SimAI directly (approve or deny a device login, mint a
//! legacy offline token, the knobs and counters), and the control endpoints under
//! `/_sandbox/simai/` that do the same over HTTP.

use std::sync::atomic::Ordering;
use std::time::Instant;

use serde_json::{json, Value};

use super::model::DeviceStatus;
use super::{Simai, LEGACY_CLIENT_ID};
use crate::http::{Request, Response};
use crate::server::method_not_allowed;

impl Simai {
    /// Approves the pending, unexpired device authorization with this user code.
    pub fn approve(&self, user_code: &str) -> bool {
        self.decide(user_code, DeviceStatus::Approved)
    }

    /// Denies the pending, unexpired device authorization with this user code.
    pub fn deny(&self, user_code: &str) -> bool {
        self.decide(user_code, DeviceStatus::Denied)
    }

    pub(super) fn decide(&self, user_code: &str, status: DeviceStatus) -> bool {
        let now = Instant::now();
        let mut state = self.state();
        let Some(device) = state.device_by_user_code(user_code) else {
            return false;
        };
        if device.status != DeviceStatus::Pending || device.expired(now) {
            return false;
        }
        device.status = status;
        if status == DeviceStatus::Approved {
            state.last_approval = Some(now);
        }
        true
    }

    /// Approves the most recent pending, unexpired device authorization; returns its user code.
    pub fn approve_latest(&self) -> Option<String> {
        let now = Instant::now();
        let mut state = self.state();
        let device = state
            .devices
            .iter_mut()
            .filter(|d| d.status == DeviceStatus::Pending && !d.expired(now))
            .max_by_key(|d| d.created)?;
        device.status = DeviceStatus::Approved;
        let user_code = device.user_code.clone();
        state.last_approval = Some(now);
        Some(user_code)
    }

    /// An offline token of the legacy client `sdk`, as older SDKs minted them.
    pub fn mint_legacy_offline_token(&self) -> String {
        let mut state = self.state();
        let answer = self.issue(&mut state, LEGACY_CLIENT_ID, "openid offline_access");
        answer["refresh_token"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_default()
    }

    /// Sets the lifetime of access tokens issued from now on.
    pub fn set_access_token_ttl(&self, seconds: u64) {
        self.access_ttl.store(seconds, Ordering::SeqCst);
    }

    pub fn set_slow_down_forever(&self, on: bool) {
        self.state().slow_down_forever = on;
    }

    /// `(client_id, live offline sessions)` for each consent, by client id.
    pub fn consents(&self) -> Vec<(String, usize)> {
        let state = self.state();
        state
            .consents
            .keys()
            .map(|c| ((*c).to_owned(), state.live_offline(c)))
            .collect()
    }

    pub fn last_approval(&self) -> Option<Instant> {
        self.state().last_approval
    }

    pub fn last_device_token(&self) -> Option<Instant> {
        self.state().last_device_token
    }

    pub fn token_requests(&self) -> Vec<Instant> {
        self.state().token_requests.clone()
    }

    /// The client of each device authorization asked for so far, oldest first.
    pub fn device_requests(&self) -> Vec<String> {
        self.state()
            .device_requests
            .iter()
            .map(|c| (*c).to_owned())
            .collect()
    }

    /// Sets the model manifest's `coreml_version` (`None`: back to the default).
    pub fn set_coreml_version(&self, version: Option<&str>) {
        self.state().coreml_version = version.map(str::to_owned);
    }

    /// The control endpoints under `/_sandbox/simai/`; `None` for a path that is none of them.
    pub(super) fn control_endpoint(&self, req: &Request, rest: &str) -> Option<Response> {
        let post = req.method == "POST";
        let user_code = || {
            req.json_body().and_then(|v| {
                v.get("user_code")
                    .and_then(|c| c.as_str().map(str::to_owned))
            })
        };
        let decided = |ok: bool| {
            if ok {
                Response::empty(204)
            } else {
                Response::error(404, "No pending device authorization with this user code")
            }
        };
        Some(match rest {
            "approve" | "deny" if post => match user_code() {
                Some(code) if rest == "approve" => decided(self.approve(&code)),
                Some(code) => decided(self.deny(&code)),
                None => Response::error(400, "Expected a JSON body {\"user_code\": \"...\"}"),
            },
            "approve-latest" if post => match self.approve_latest() {
                Some(code) => Response::json(200, &json!({ "user_code": code })),
                None => Response::error(404, "No pending device authorization"),
            },
            "legacy-offline-token" if post => Response::json(
                200,
                &json!({ "offline_token": self.mint_legacy_offline_token() }),
            ),
            "slow-down-forever" if post => {
                match req.json_body().and_then(|v| v.get("on")?.as_bool()) {
                    Some(on) => {
                        self.set_slow_down_forever(on);
                        Response::empty(204)
                    }
                    None => Response::error(400, "Expected a JSON body {\"on\": true|false}"),
                }
            }
            "access-token-ttl" if post => {
                match req.json_body().and_then(|v| v.get("seconds")?.as_u64()) {
                    Some(seconds) if seconds > 0 => {
                        self.set_access_token_ttl(seconds);
                        Response::empty(204)
                    }
                    _ => Response::error(400, "Expected a JSON body {\"seconds\": N} with N > 0"),
                }
            }
            "coreml-version" if post => {
                match req.json_body().and_then(|v| v.get("version").cloned()) {
                    Some(Value::String(v)) => {
                        self.set_coreml_version(Some(&v));
                        Response::empty(204)
                    }
                    Some(Value::Null) => {
                        self.set_coreml_version(None);
                        Response::empty(204)
                    }
                    _ => Response::error(
                        400,
                        "Expected a JSON body {\"version\": \"3.16.0\"} (null: the default)",
                    ),
                }
            }
            "consents" if req.is_get() => Response::json(200, &self.state().consents_json()),
            "device-requests" if req.is_get() => {
                let clients = self.device_requests();
                Response::json(200, &json!({"count": clients.len(), "clients": clients}))
            }
            "approve"
            | "deny"
            | "approve-latest"
            | "legacy-offline-token"
            | "slow-down-forever"
            | "access-token-ttl"
            | "coreml-version" => method_not_allowed("POST"),
            "consents" | "device-requests" => method_not_allowed("GET"),
            _ => return None,
        })
    }
}
