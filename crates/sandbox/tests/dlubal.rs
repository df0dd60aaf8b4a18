//! End-to-end tests of the sandbox's Dlubal gRPC server over real loopback sockets: SimCred's own
//! key check (`simcred_dlubal::check`) for what a check sees, a bare tonic client where the test
//! must choose the compression or the method, raw sockets for connections that say nothing, and
//! the `simcred-sandbox` binary.

mod support;

use std::ffi::OsStr;
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use simcred_base::secret::Secret;
use simcred_dlubal::proto::{ApplicationInfo, Empty, SubscriptionInfo, GET_APPLICATION_INFO};
use simcred_dlubal::{check, Answer, CheckError, Product, Target, Tls};
use simcred_sandbox::{
    DlubalOptions, Sandbox, SandboxOptions, SimaiOptions, DLUBAL_INVALID_KEY, DLUBAL_PLAN,
    DLUBAL_REQUEST_LIMIT, DLUBAL_RESTRICTED,
};
use support::{client, url_of, Binary};

/// The deadline every check here gets; each test also proves it answered well within it.
const DEADLINE: Duration = Duration::from_secs(10);

fn start(good: &[&str], limited: &[&str]) -> Sandbox {
    Sandbox::start_full(
        SandboxOptions::default(),
        SimaiOptions::default(),
        DlubalOptions {
            keys: good.iter().map(|k| (*k).to_owned()).collect(),
            limited_keys: limited.iter().map(|k| (*k).to_owned()).collect(),
            ..DlubalOptions::default()
        },
    )
    .expect("sandbox starts")
}

fn target(product: Product, port: u16, tls: Tls) -> Target {
    Target {
        product,
        host: "127.0.0.1".to_owned(),
        port,
        tls,
        timeout: DEADLINE,
    }
}

/// Runs a check and asserts it ended well before its deadline (an answer, not a timeout).
fn timed_check(t: &Target, key: &str) -> Result<Answer, CheckError> {
    let started = Instant::now();
    let result = check(t, &Secret::new(key));
    let took = started.elapsed();
    assert!(took < DEADLINE / 2, "the check took {took:?} ({result:?})");
    if let Err(e) = &result {
        assert!(!matches!(e, CheckError::Timeout { .. }), "{e:?}");
    }
    result
}

fn subscription(answer: &Answer) -> &SubscriptionInfo {
    answer
        .subscription
        .as_ref()
        .unwrap_or_else(|e| panic!("no subscription info: {e:?}"))
}

/// The sandbox's CA in a file, as a profile's CA bundle.
fn ca_file(sandbox: &Sandbox) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dlubal-ca.pem");
    std::fs::write(&path, sandbox.dlubal_ca_pem()).unwrap();
    (dir, path)
}

#[test]
fn a_good_key_reads_the_application_and_a_growing_count() {
    let sandbox = start(&["ak-good"], &[]);
    let t = target(Product::Rfem, sandbox.dlubal_port(), Tls::Plain);
    let first = timed_check(&t, "ak-good").unwrap();
    assert_eq!(first.application.name, "RFEM 6");
    let sub = subscription(&first);
    assert_eq!(sub.subscription_plan, DLUBAL_PLAN);
    assert_eq!(sub.api_requests_limit, DLUBAL_REQUEST_LIMIT);
    // Both calls of the check count, the subscription call included.
    assert_eq!(sub.api_requests_count, 2);

    let second = timed_check(&t, "ak-good").unwrap();
    assert_eq!(subscription(&second).api_requests_count, 4);
    assert_eq!(sandbox.dlubal_api_requests_count(), 4);
    assert_eq!(sandbox.dlubal_requests(), 4);

    for (product, name) in [
        (Product::Rstab, "RSTAB 9"),
        (Product::Rsection, "RSECTION 1"),
    ] {
        let t = target(product, sandbox.dlubal_port(), Tls::Plain);
        assert_eq!(timed_check(&t, "ak-good").unwrap().application.name, name);
    }
}

#[test]
fn a_bad_key_is_invalid_and_a_limited_one_restricted() {
    let sandbox = start(&["ak-good"], &["ak-limited"]);
    let t = target(Product::Rstab, sandbox.dlubal_port(), Tls::Plain);
    match timed_check(&t, "ak-wrong") {
        Err(CheckError::Invalid { message }) => assert_eq!(message, DLUBAL_INVALID_KEY),
        other => panic!("expected Invalid, got {other:?}"),
    }
    match timed_check(&t, "ak-limited") {
        Err(CheckError::Restricted { message }) => assert_eq!(message, DLUBAL_RESTRICTED),
        other => panic!("expected Restricted, got {other:?}"),
    }
    // A refused check stops after its first call; refused calls do not count against the plan.
    assert_eq!(sandbox.dlubal_requests(), 2);
    assert_eq!(sandbox.dlubal_api_requests_count(), 0);

    sandbox.add_dlubal_key("ak-wrong");
    assert!(timed_check(&t, "ak-wrong").is_ok());
    sandbox.add_dlubal_limited_key("ak-wrong");
    assert!(matches!(
        timed_check(&t, "ak-wrong"),
        Err(CheckError::Restricted { .. })
    ));
}

#[test]
fn tls_with_the_sandboxs_ca_is_valid_and_without_it_a_tls_error() {
    let sandbox = start(&["ak-good"], &[]);
    let (_dir, ca) = ca_file(&sandbox);
    let t = target(Product::Rfem, sandbox.dlubal_tls_port(), Tls::CaFile(ca));
    let answer = timed_check(&t, "ak-good").unwrap();
    assert_eq!(answer.application.name, "RFEM 6");
    assert_eq!(subscription(&answer).api_requests_count, 2);

    // The system's CAs do not know the sandbox's.
    let t = target(Product::Rfem, sandbox.dlubal_tls_port(), Tls::System);
    match timed_check(&t, "ak-good") {
        Err(e @ CheckError::Tls { .. }) => println!("system CAs: {e}"),
        other => panic!("expected a TLS error, got {other:?}"),
    }
    // Another sandbox's CA does not either.
    let other = start(&[], &[]);
    let (_dir2, other_ca) = ca_file(&other);
    let t = target(
        Product::Rfem,
        sandbox.dlubal_tls_port(),
        Tls::CaFile(other_ca),
    );
    assert!(matches!(
        timed_check(&t, "ak-good"),
        Err(CheckError::Tls { .. })
    ));
    assert_eq!(sandbox.dlubal_api_requests_count(), 2);
}

#[test]
fn plain_and_tls_mixed_up_fail_clearly_without_hanging() {
    let sandbox = start(&["ak-good"], &[]);
    let (_dir, ca) = ca_file(&sandbox);

    let plain_to_tls = target(Product::Rfem, sandbox.dlubal_tls_port(), Tls::Plain);
    let e = timed_check(&plain_to_tls, "ak-good").unwrap_err();
    println!("plain client, TLS port: {e}");
    // The TLS listener drops the connection at the first plain bytes; whether the client then
    // sees a reset or a broken pipe is a race, so only the kind of error is fixed here.
    assert!(
        matches!(e, CheckError::Unreachable { .. } | CheckError::Tls { .. }),
        "{e:?}"
    );
    let tls_to_plain = target(Product::Rfem, sandbox.dlubal_port(), Tls::CaFile(ca));
    let e = timed_check(&tls_to_plain, "ak-good").unwrap_err();
    println!("TLS client, plain port: {e}");
    assert!(
        matches!(e, CheckError::Unreachable { .. } | CheckError::Tls { .. })
            && e.to_string().contains("TLS"),
        "{e:?}"
    );
    assert!(!e.to_string().contains("ak-good"));
    assert_eq!(sandbox.dlubal_api_requests_count(), 0);
}

/// A bare client: one call to `path` with `key`, gzip on or off, on a runtime of its own.
fn raw_call<M>(
    port: u16,
    path: &str,
    key: &str,
    gzip: bool,
) -> Result<tonic::Response<M>, tonic::Status>
where
    M: prost::Message + Default + Send + 'static,
{
    use tonic::codec::CompressionEncoding;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
            .unwrap()
            .timeout(DEADLINE)
            .connect()
            .await
            .expect("connects");
        let mut grpc = tonic::client::Grpc::new(channel);
        if gzip {
            grpc = grpc
                .send_compressed(CompressionEncoding::Gzip)
                .accept_compressed(CompressionEncoding::Gzip);
        }
        grpc.ready().await.unwrap();
        let mut req = tonic::Request::new(Empty {});
        req.metadata_mut()
            .insert("authorization", format!("Bearer {key}").parse().unwrap());
        let path = tonic::codegen::http::uri::PathAndQuery::try_from(path.to_owned()).unwrap();
        grpc.unary(req, path, tonic_prost::ProstCodec::<Empty, M>::default())
            .await
    })
}

#[test]
fn gzip_requests_are_accepted_and_answered_gzip() {
    let sandbox = start(&["ak-good"], &[]);
    let path = Product::Rsection.path(GET_APPLICATION_INFO);
    let answer = raw_call::<ApplicationInfo>(sandbox.dlubal_port(), &path, "ak-good", true)
        .expect("a gzip request is answered");
    assert_eq!(
        answer
            .metadata()
            .get("grpc-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip"),
        "answered compressed, as the client accepts"
    );
    assert_eq!(answer.into_inner().name, "RSECTION 1");

    let plain = raw_call::<ApplicationInfo>(sandbox.dlubal_port(), &path, "ak-good", false)
        .expect("an uncompressed request is answered too");
    assert_eq!(plain.metadata().get("grpc-encoding"), None);
}

#[test]
fn other_methods_and_services_are_unimplemented_and_counted() {
    let sandbox = start(&["ak-good"], &[]);
    for path in [
        "/dlubal.api.rfem.Application/get_object_list_impl",
        "/dlubal.api.rfem.Model/get_application_info",
        "/grpc.health.v1.Health/Check",
    ] {
        let status = raw_call::<Empty>(sandbox.dlubal_port(), path, "ak-good", true).unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unimplemented, "{path}");
    }
    let close = raw_call::<Empty>(
        sandbox.dlubal_port(),
        &Product::Rfem.path("close_connection"),
        "ak-good",
        true,
    );
    assert!(close.is_ok(), "{close:?}");
    assert_eq!(sandbox.dlubal_requests(), 4);
    assert_eq!(sandbox.dlubal_api_requests_count(), 1);
    let t = target(Product::Rfem, sandbox.dlubal_port(), Tls::Plain);
    assert_eq!(
        subscription(&timed_check(&t, "ak-good").unwrap()).api_requests_count,
        3
    );
}

fn http_json(sandbox: &Sandbox, method: &str, path: &str, body: Option<&Value>) -> (u16, String) {
    let client = client(DEADLINE);
    let url = url_of(&format!("{}{path}", sandbox.url()));
    let result = match (method, body) {
        ("GET", _) => client.send("GET", &url, &[], None),
        (_, Some(body)) => client.send_json("POST", &url, &[], &body.to_string()),
        _ => client.send("POST", &url, &[], None),
    };
    let response = result.expect("request");
    (response.status, response.body)
}

#[test]
fn control_endpoints_add_keys_and_tell_the_ports_and_ca() {
    let sandbox = start(&[], &[]);
    let (status, body) = http_json(&sandbox, "GET", "/_sandbox/dlubal", None);
    assert_eq!(status, 200);
    let info: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(info["port"], json!(sandbox.dlubal_port()));
    assert_eq!(info["tls_port"], json!(sandbox.dlubal_tls_port()));
    assert_eq!(info["ca_pem"], json!(sandbox.dlubal_ca_pem()));
    assert_eq!(info["requests"], json!(0));

    let t = target(Product::Rfem, sandbox.dlubal_port(), Tls::Plain);
    assert!(matches!(
        timed_check(&t, "ak-http"),
        Err(CheckError::Invalid { .. })
    ));
    let (status, _) = http_json(
        &sandbox,
        "POST",
        "/_sandbox/dlubal/keys",
        Some(&json!({"key": "ak-http"})),
    );
    assert_eq!(status, 204);
    assert!(timed_check(&t, "ak-http").is_ok());
    let (status, _) = http_json(
        &sandbox,
        "POST",
        "/_sandbox/dlubal/keys",
        Some(&json!({"key": "ak-http", "limited": true})),
    );
    assert_eq!(status, 204);
    assert!(matches!(
        timed_check(&t, "ak-http"),
        Err(CheckError::Restricted { .. })
    ));
    for bad in [
        json!({}),
        json!({"key": " "}),
        json!({"key": "k", "limited": "yes"}),
    ] {
        let (status, _) = http_json(&sandbox, "POST", "/_sandbox/dlubal/keys", Some(&bad));
        assert_eq!(status, 400, "{bad}");
    }
    assert_eq!(
        http_json(&sandbox, "GET", "/_sandbox/dlubal/keys", None).0,
        405
    );
    // Control calls are not gRPC requests: a refused check, a good one (two calls), a limited one.
    assert_eq!(sandbox.dlubal_requests(), 4);
}

#[test]
fn drop_closes_both_listeners_promptly_with_idle_connections_open() {
    let sandbox = start(&["ak-good"], &[]);
    let plain: SocketAddr = ([127, 0, 0, 1], sandbox.dlubal_port()).into();
    let tls: SocketAddr = ([127, 0, 0, 1], sandbox.dlubal_tls_port()).into();
    let t = target(Product::Rfem, sandbox.dlubal_port(), Tls::Plain);
    timed_check(&t, "ak-good").unwrap();
    // Connections that never say a word, on both ports.
    let idle_plain = TcpStream::connect(plain).unwrap();
    let idle_tls = TcpStream::connect(tls).unwrap();

    let started = Instant::now();
    drop(sandbox);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "drop took {:?}",
        started.elapsed()
    );
    drop((idle_plain, idle_tls));
    assert!(
        TcpStream::connect(plain).is_err(),
        "the plain port is closed"
    );
    assert!(TcpStream::connect(tls).is_err(), "the TLS port is closed");
}

#[test]
fn options_debug_redacts_the_keys_and_default_has_none() {
    let opts = DlubalOptions {
        keys: vec!["ak-secret-good".into()],
        limited_keys: vec!["ak-secret-limited".into()],
        ..DlubalOptions::default()
    };
    let shown = format!("{opts:?}");
    assert!(
        !shown.contains("ak-secret") && shown.contains("keys: <1 redacted>"),
        "{shown}"
    );
    // A sandbox started without Dlubal options accepts no key until one is added.
    let sandbox = Sandbox::start(SandboxOptions::default()).unwrap();
    let t = target(Product::Rfem, sandbox.dlubal_port(), Tls::Plain);
    assert!(matches!(
        timed_check(&t, "ak-later"),
        Err(CheckError::Invalid { .. })
    ));
    sandbox.add_dlubal_key("ak-later");
    assert!(timed_check(&t, "ak-later").is_ok());
}

#[test]
fn binary_takes_dlubal_keys_and_writes_the_ca_where_told() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let bin = Binary::start([
        OsStr::new("--dlubal-key"),
        OsStr::new("ak-bin-secret"),
        OsStr::new("--dlubal-ca-file"),
        ca.as_os_str(),
    ]);
    let url = bin.url.clone();
    // The CA is written before the URL is printed.
    let ca_pem = std::fs::read_to_string(&ca).expect("the CA file");
    let control = url_of(&format!("{url}/_sandbox/dlubal"));
    let response = client(DEADLINE).send("GET", &control, &[], None).unwrap();
    assert!(
        (200..300).contains(&response.status),
        "a successful answer: {response:?}"
    );
    let info: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(info["ca_pem"], json!(ca_pem));
    let port = u16::try_from(info["port"].as_u64().unwrap()).unwrap();
    let tls_port = u16::try_from(info["tls_port"].as_u64().unwrap()).unwrap();
    let answer = timed_check(
        &target(Product::Rstab, tls_port, Tls::CaFile(ca.clone())),
        "ak-bin-secret",
    )
    .unwrap();
    assert_eq!(answer.application.name, "RSTAB 9");

    let line = bin.line.clone();
    let stderr = bin.stop();
    assert!(
        stderr.contains(&format!("gRPC on 127.0.0.1:{port} (TLS on port {tls_port}")),
        "{stderr}"
    );
    assert!(!line.contains("ak-bin-secret") && !stderr.contains("ak-bin-secret"));
}
