//! Dlubal profiles' settings for where the application listens, and the key check against it.
//!
//! A Dlubal key is checked by the running application (RFEM, RSTAB or RSECTION) over gRPC, as the
//! vendor's client opens a session (see `simcred_dlubal`). The settings are named as the
//! client takes them: `product`, `host` (the client's `url`), `port`, and `tls_ca_bundle`
//! (absent: plain gRPC, the client's default; `system` or a PEM path: TLS, the client's `ssl` /
//! `ssl_file`). Each check may count against the company's monthly API limit: it is only ever
//! run when a person or script asks (`key check`, the app's Check and Refresh, `status --check`).

use super::{CheckOutcome, Setting};
use crate::http::NetOptions;
use crate::profile::Profile;
use crate::secret::Secret;
use simcred_dlubal::{CheckError, Product, Target, Tls};

/// The application's default address, as the vendor's client has it.
pub const DEFAULT_HOST: &str = "127.0.0.1";
pub const DEFAULT_PORT: u16 = 9000;

/// The settings of a Dlubal profile, in form order (`description` follows).
pub const SETTINGS: &[Setting] = &[
    Setting {
        default: Some("rfem"),
        placeholder: Some("rfem"),
        help: Some("The application keys are checked against: rfem, rstab or rsection."),
        flag: true,
        ..Setting::text("product", "Application")
    },
    Setting {
        default: Some(DEFAULT_HOST),
        placeholder: Some(DEFAULT_HOST),
        help: Some("Where the application runs: 127.0.0.1 on this computer, else its name or address."),
        ..Setting::text("host", "Host")
    },
    Setting {
        default: Some("9000"),
        placeholder: Some("9000"),
        help: Some("The application's API port (its gRPC server)."),
        ..Setting::text("port", "Port")
    },
    // Its own words: empty means plain gRPC here, and certificate checks cannot be turned off.
    Setting {
        placeholder: Some("(plain gRPC)"),
        help: Some("Empty: plain gRPC, the client's default. system: TLS with this computer's certificate authorities; or the full path of a PEM file."),
        ..super::TLS_CA_BUNDLE
    },
    super::TIMEOUT,
];

/// The product a profile names (default RFEM); `Err` says what to write instead.
fn product(p: &Profile) -> Result<Product, String> {
    match p.setting("product") {
        None => Ok(Product::Rfem),
        Some(v) => Product::parse(v).ok_or_else(|| {
            format!(
                "product \"{}\" is not one of rfem, rstab, rsection",
                crate::text::safe_short(v, 40)
            )
        }),
    }
}

fn port(p: &Profile) -> Result<u16, String> {
    match p.setting("port") {
        None => Ok(DEFAULT_PORT),
        Some(v) => match v.trim().parse::<u16>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "port \"{}\" is not a port number from 1 to 65535",
                crate::text::safe_short(v, 40)
            )),
        },
    }
}

fn host(p: &Profile) -> Result<String, String> {
    let h = p.setting("host").unwrap_or(DEFAULT_HOST);
    simcred_dlubal::client::check_host(h)
        .map(|_| h.trim().to_string())
        .map_err(|e| e.to_string())
}

fn tls(p: &Profile) -> Result<Tls, String> {
    match p.setting("tls_ca_bundle").map(str::trim) {
        None | Some("") => Ok(Tls::Plain),
        Some("system") => Ok(Tls::System),
        Some(crate::http::NO_CERT_CHECKS) => Err(format!(
            "tls_ca_bundle = {} is not possible for Dlubal: its client always checks certificates when TLS is on; use system or the path of a PEM file, or leave it empty for plain gRPC",
            crate::http::NO_CERT_CHECKS
        )),
        Some(path) => Ok(Tls::CaFile(path.into())),
    }
}

/// Problems with a Dlubal profile's settings, one sentence each.
pub fn validate(p: &Profile) -> Vec<String> {
    [product(p).err(), port(p).err(), host(p).err(), tls(p).err()]
        .into_iter()
        .flatten()
        .collect()
}

/// The warning for a profile that sends its keys over plain gRPC to another computer (an
/// unreadable product still warns, as RFEM: the key goes out whatever the product).
pub fn warnings(p: &Profile) -> Vec<String> {
    let (Ok(host), Ok(port), Ok(Tls::Plain)) = (host(p), port(p), tls(p)) else {
        return Vec::new();
    };
    if is_loopback_host(&host) {
        return Vec::new();
    }
    let t = Target {
        product: product(p).unwrap_or_default(),
        host,
        port,
        tls: Tls::Plain,
        timeout: std::time::Duration::ZERO,
    };
    vec![format!(
        "WARNING: profile \"{}\" checks its keys with {} at {} over plain gRPC: each key travels unencrypted (in every call's authorization header), so anyone on the network path can read it. If the application serves TLS, set tls_ca_bundle to system or its CA file.",
        p.name,
        t.product.display_name(),
        t.addr()
    )]
}

fn is_loopback_host(h: &str) -> bool {
    let h = h.trim().trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Where a profile's application listens, or why its settings do not say.
pub fn target(p: &Profile, net: &NetOptions) -> Result<Target, String> {
    Ok(Target {
        product: product(p)?,
        host: host(p)?,
        port: port(p)?,
        tls: tls(p)?,
        timeout: net.effective_timeout(),
    })
}

/// `1,234`.
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The plan and this month's count, as a person reads them.
pub fn usage_of(info: &simcred_dlubal::proto::SubscriptionInfo) -> String {
    let plan = crate::text::safe_short(info.subscription_plan.trim(), 80);
    let count = thousands(i64::from(info.api_requests_count));
    let used = if info.api_requests_limit > 0 {
        format!(
            "{count} of {} API requests this month",
            thousands(i64::from(info.api_requests_limit))
        )
    } else {
        format!("{count} API requests this month")
    };
    if plan.is_empty() {
        used
    } else {
        format!("plan {plan} · {used}")
    }
}

/// Checks `key` with the application the profile names.
pub fn check(p: &Profile, key: &Secret, net: &NetOptions) -> CheckOutcome {
    let target = match target(p, net) {
        Ok(t) => t,
        Err(reason) => {
            return CheckOutcome::Unreachable {
                reason: format!("the profile's settings: {reason}"),
            }
        }
    };
    match simcred_dlubal::check(&target, key) {
        Ok(answer) => {
            let app = &answer.application;
            let name = crate::text::safe_short(app.name.trim(), 80);
            let version = crate::text::safe_short(app.version.trim(), 40);
            let who = match (name.is_empty(), version.is_empty()) {
                (false, false) => format!("{name} {version}"),
                (false, true) => name,
                _ => target.product.display_name().to_string(),
            };
            let (usage, note) = match &answer.subscription {
                Ok(info) => (Some(usage_of(info)), String::new()),
                Err(e) => (None, format!("; the plan could not be read ({e})")),
            };
            CheckOutcome::Valid {
                detail: format!("accepted by {who} on {}{note}", target.addr()),
                account: None,
                usage,
            }
        }
        Err(CheckError::Invalid { message }) => CheckOutcome::Invalid {
            reason: format!(
                "{} on {} refused the key: {message}",
                target.product.display_name(),
                target.addr()
            ),
        },
        Err(CheckError::Restricted { message }) => CheckOutcome::Restricted { reason: message },
        Err(e) => CheckOutcome::Unreachable {
            reason: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Service;

    fn profile(settings: &[(&str, &str)]) -> Profile {
        Profile {
            name: "rfem".into(),
            service: Service::of(&super::super::dlubal::Dlubal),
            settings: settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            default_key: None,
            keys: vec![],
            tokens: vec![],
            store: None,
        }
    }

    #[test]
    fn settings_are_checked_with_sentences() {
        assert!(validate(&profile(&[])).is_empty());
        let bad = validate(&profile(&[
            ("product", "rfem7"),
            ("port", "99999"),
            ("host", "a b"),
            ("tls_ca_bundle", "unsecure-none"),
        ]));
        assert_eq!(bad.len(), 4, "{bad:?}");
        assert!(bad[0].contains("rfem, rstab, rsection"));
        assert!(bad[1].contains("1 to 65535"));
        assert!(bad[3].contains("always checks certificates"));
    }

    #[test]
    fn plain_grpc_to_another_computer_is_warned_about() {
        assert!(warnings(&profile(&[])).is_empty());
        assert!(warnings(&profile(&[("host", "localhost")])).is_empty());
        let w = warnings(&profile(&[("host", "10.1.2.3"), ("port", "9100")]));
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("10.1.2.3:9100 over plain gRPC"), "{w:?}");
        assert!(w[0].contains("unencrypted"));
        assert!(warnings(&profile(&[
            ("host", "10.1.2.3"),
            ("tls_ca_bundle", "system")
        ]))
        .is_empty());
    }

    #[test]
    fn usage_reads_as_a_sentence() {
        let info = simcred_dlubal::proto::SubscriptionInfo {
            api_requests_count: 1234,
            api_requests_limit: 10000,
            subscription_plan: "Pro\u{1b}[2J".into(),
        };
        let u = usage_of(&info);
        assert!(
            u.ends_with("1,234 of 10,000 API requests this month"),
            "{u}"
        );
        assert!(!u.contains('\u{1b}'));
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
    }
}
