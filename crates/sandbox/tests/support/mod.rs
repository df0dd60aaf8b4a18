//! What the sandbox's test files share: SimCred's own HTTP client (`simcred_base::http::Http`,
//! which never follows redirects nor proxies loopback), what came back from one request, and the
//! `simcred-sandbox` binary started as a child.

// Each test file is its own crate and uses only part of this.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use simcred_base::http::{self, parse_service_url, Http, HttpError, NetOptions};
use url::Url;

/// What came back from one request.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub hub_version: Option<String>,
    pub location: Option<String>,
    pub cache_control: Option<String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    pub fn str(&self, field: &str) -> String {
        self.json()[field]
            .as_str()
            .unwrap_or_else(|| panic!("no string {field} in {}", self.body))
            .to_owned()
    }
}

/// SimCred's own client: redirects are never followed, loopback is never proxied.
pub fn client(timeout: Duration) -> Http {
    Http::new(&NetOptions {
        timeout: Some(timeout),
        ..Default::default()
    })
    .expect("the HTTP client")
}

pub fn url_of(url: &str) -> Url {
    parse_service_url(url).expect("a loopback URL")
}

pub fn reply(result: Result<http::Reply, HttpError>) -> Reply {
    let response = result.expect("request failed");
    let header = |name: &str| response.header(name).map(str::to_owned);
    Reply {
        status: response.status,
        content_type: header("content-type").unwrap_or_default(),
        hub_version: header("x-jupyterhub-version"),
        location: header("location"),
        cache_control: header("cache-control"),
        body: response.body,
    }
}

/// The `simcred-sandbox` binary, running, once it printed its one line on stdout.
pub struct Binary {
    child: Child,
    stdout: BufReader<ChildStdout>,
    /// That line, as printed.
    pub line: String,
    /// The URL it names (`SIMCRED_SANDBOX_URL=…`).
    pub url: String,
}

impl Binary {
    pub fn start<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Binary {
        let mut child = Command::new(env!("CARGO_BIN_EXE_simcred-sandbox"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let url = line
            .trim_end()
            .strip_prefix("SIMCRED_SANDBOX_URL=")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Binary {
            child,
            stdout,
            line,
            url,
        }
    }

    /// Kills it, checks that it printed nothing more on stdout and returns its stderr.
    pub fn stop(mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert_eq!(rest, "", "exactly one line on stdout");
        stderr
    }
}
