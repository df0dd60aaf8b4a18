//! A real HTTP proxy for the tests that check traffic goes through one: Debian's `tinyproxy` on
//! a free loopback port, logging every connection (`CONNECT host:port`) for the test to read;
//! and a name for loopback that SimCred does not recognise as loopback (it never proxies
//! `localhost` or a loopback address, so a proxied server needs another name).
//!
//! The recording listener that stands in for a proxy that must never be reached is
//! `hostile::Recorder`.

use crate::{free_port, poll};
use std::net::{IpAddr, ToSocketAddrs};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// This machine's host name and the loopback address it resolves to. SimCred never sends
/// `localhost` or a loopback address through a proxy, so the proxied server needs another name
/// for loopback; `bao -dev-tls` certifies the host name, and Debian's /etc/hosts maps it to
/// 127.0.1.1 (this VM: 127.0.0.1).
pub fn loopback_host_name() -> (String, IpAddr) {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string();
    let ip = (name.as_str(), 0)
        .to_socket_addrs()
        .into_iter()
        .flatten()
        .map(|a| a.ip())
        .find(|ip| ip.is_ipv4() && ip.is_loopback())
        .filter(|_| !name.eq_ignore_ascii_case("localhost"));
    let ip = ip.unwrap_or_else(|| {
        panic!(
            "the proxy test needs this machine's host name ({name}) to resolve to a loopback \
             address other than as \"localhost\" (Debian's /etc/hosts: 127.0.1.1 {name})"
        )
    });
    (name, ip)
}

/// Debian's `tinyproxy` on a free loopback port, logging every connection; stopped on drop.
pub struct Tinyproxy {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Tinyproxy {
    pub fn start() -> Tinyproxy {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port(IpAddr::from([127, 0, 0, 1]));
        let conf = dir.path().join("tinyproxy.conf");
        std::fs::write(
            &conf,
            format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\nMaxClients 20\n\
                 LogLevel Connect\nLogFile \"{}\"\n",
                dir.path().join("tinyproxy.log").display()
            ),
        )
        .unwrap();
        let child = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tinyproxy (Debian package tinyproxy; scripts/install-deps.sh installs it)");
        let proxy = Tinyproxy { child, port, dir };
        poll("tinyproxy to listen", Duration::from_secs(10), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).ok()
        });
        proxy
    }

    /// The proxy's URL, for `HTTPS_PROXY` or a profile's proxy.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What the proxy logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("tinyproxy.log")).unwrap_or_default()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
