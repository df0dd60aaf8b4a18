//! `simcred-sandbox`: runs the loopback fake cloud until killed.
//!
//! Prints exactly one line to stdout, `SIMCRED_SANDBOX_URL=http://127.0.0.1:PORT`, for scripts to
//! read, then a human note to stderr (the services' URLs, SimAI's demo user and password, and
//! Dlubal's gRPC ports). Scripts read Dlubal's ports and CA from `GET {url}/_sandbox/dlubal`
//! (`{"port", "tls_port", "ca_pem", ...}`); with `--dlubal-ca-file PATH` the CA's PEM is also
//! written to PATH before the URL is printed. Keys given with `--modelon-key` / `--dlubal-key`
//! and the code given with `--simai-totp` are never printed.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use simcred_sandbox::{DlubalOptions, Sandbox, SandboxOptions, SimaiOptions};

const USAGE: &str = "\
Usage: simcred-sandbox [--port N] [--modelon-key KEY]... [--simai-totp CODE] [--device-interval N]
                       [--dlubal-port N] [--dlubal-tls-port N] [--dlubal-key KEY]...
                       [--dlubal-limited-key KEY]... [--dlubal-ca-file PATH]

Runs a loopback fake cloud speaking the vendors' protocols, until killed. Prints one line,
SIMCRED_SANDBOX_URL=http://127.0.0.1:PORT, to stdout; GET that URL + /_sandbox/dlubal tells
Dlubal's gRPC ports and the TLS listener's CA (JSON: port, tls_port, ca_pem).

Options:
  --port N                  HTTP port on 127.0.0.1 (default 0: pick a free one)
  --modelon-key KEY         a Modelon Impact key valid from the start (repeatable)
  --simai-totp CODE         SimAI's password login also wants this one-time code
  --device-interval N       seconds a SimAI device login must wait between polls (default 5)
  --dlubal-port N           plain gRPC port of the Dlubal application (RFEM, RSTAB, RSECTION)
                            on 127.0.0.1 (default 0: pick a free one)
  --dlubal-tls-port N       its TLS port (default 0: pick a free one)
  --dlubal-key KEY          a Dlubal API key valid from the start (repeatable)
  --dlubal-limited-key KEY  a Dlubal API key whose plan does not allow API use (repeatable)
  --dlubal-ca-file PATH     write the TLS listener's CA certificate (PEM, made at start) here
  -h, --help                print this help
  -V, --version             print the version";

/// What a run was asked for.
struct Run {
    opts: SandboxOptions,
    simai: SimaiOptions,
    dlubal: DlubalOptions,
    /// Where to write the Dlubal TLS listener's CA.
    ca_file: Option<PathBuf>,
}

enum Command {
    Run(Box<Run>),
    Help,
    Version,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut opts = SandboxOptions::default();
    let mut simai = SimaiOptions::default();
    let mut dlubal = DlubalOptions::default();
    let mut ca_file = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--port" => opts.port = port(&value("--port")?, "--port")?,
            "--dlubal-port" => dlubal.port = port(&value("--dlubal-port")?, "--dlubal-port")?,
            "--dlubal-tls-port" => {
                dlubal.tls_port = port(&value("--dlubal-tls-port")?, "--dlubal-tls-port")?;
            }
            "--modelon-key" => opts
                .modelon_keys
                .push(key(&value("--modelon-key")?, "--modelon-key")?),
            "--dlubal-key" => dlubal
                .keys
                .push(key(&value("--dlubal-key")?, "--dlubal-key")?),
            "--dlubal-limited-key" => dlubal.limited_keys.push(key(
                &value("--dlubal-limited-key")?,
                "--dlubal-limited-key",
            )?),
            "--dlubal-ca-file" => {
                let path = value("--dlubal-ca-file")?;
                if path.is_empty() {
                    return Err("--dlubal-ca-file: the path is empty".to_owned());
                }
                ca_file = Some(PathBuf::from(path));
            }
            "--simai-totp" => {
                let code = value("--simai-totp")?;
                if code.trim().is_empty() {
                    return Err("--simai-totp: the code is empty".to_owned());
                }
                simai.totp = Some(code.trim().to_owned());
            }
            "--device-interval" => {
                let seconds = value("--device-interval")?;
                simai.device_interval = seconds.parse().map_err(|_| {
                    format!("--device-interval: {seconds:?} is not a number of seconds")
                })?;
            }
            // Never echo the argument: it may be a misspelt flag followed by a key.
            _ => return Err("unknown argument (see --help)".to_owned()),
        }
    }
    Ok(Command::Run(Box::new(Run {
        opts,
        simai,
        dlubal,
        ca_file,
    })))
}

fn port(text: &str, flag: &str) -> Result<u16, String> {
    text.parse()
        .map_err(|_| format!("{flag}: {text:?} is not a port number"))
}

/// A key from the command line, trimmed; never echoed.
fn key(text: &str, flag: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err(format!("{flag}: the key is empty"));
    }
    Ok(text.trim().to_owned())
}

fn main() -> ExitCode {
    let Run {
        opts,
        simai,
        dlubal,
        ca_file,
    } = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(run)) => *run,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("simcred-sandbox {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("simcred-sandbox: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let with_keys = !opts.modelon_keys.is_empty();
    let with_dlubal_keys = !dlubal.keys.is_empty();
    let simai_note = format!(
        "user {} password {}{}, organization {}",
        simai.user,
        simai.password,
        if simai.totp.is_some() {
            " (and the TOTP code given)"
        } else {
            ""
        },
        simai.organization
    );
    let sandbox = match Sandbox::start_full(opts, simai, dlubal) {
        Ok(sandbox) => sandbox,
        Err(err) => {
            eprintln!("simcred-sandbox: cannot listen on 127.0.0.1: {err}");
            return ExitCode::FAILURE;
        }
    };
    // Written before the URL is printed, so that a script that read the URL finds the file.
    if let Some(path) = &ca_file {
        if let Err(err) = std::fs::write(path, sandbox.dlubal_ca_pem()) {
            eprintln!(
                "simcred-sandbox: --dlubal-ca-file: cannot write {}: {err}",
                path.display()
            );
            return ExitCode::FAILURE;
        }
    }
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "SIMCRED_SANDBOX_URL={}", sandbox.url())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(stdout);
    let ca_note = match &ca_file {
        Some(path) => format!("CA in {}", path.display()),
        None => format!("CA at {}/_sandbox/dlubal", sandbox.url()),
    };
    eprintln!(
        "simcred-sandbox: Modelon Impact at {} (JupyterHub front at {}); {}; \
         Ansys SimAI API at {} (realm {}), {simai_note}; \
         Dlubal RFEM/RSTAB/RSECTION gRPC on 127.0.0.1:{} (TLS on port {}, {ca_note}), {}; \
         stop with Ctrl-C",
        sandbox.modelon_url(),
        sandbox.modelon_hub_url(),
        if with_keys {
            "the keys given are valid".to_owned()
        } else {
            format!(
                "no key is valid yet: make one at {}admin/server-management",
                sandbox.modelon_url()
            )
        },
        sandbox.simai_api_url(),
        sandbox.simai_realm_url(),
        sandbox.dlubal_port(),
        sandbox.dlubal_tls_port(),
        if with_dlubal_keys {
            "the keys given are valid".to_owned()
        } else {
            format!(
                "no key is valid yet: add one with POST {}/_sandbox/dlubal/keys",
                sandbox.url()
            )
        },
    );
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn parses_flags() {
        let Ok(Command::Run(run)) = parse(&[
            "--port",
            "8123",
            "--modelon-key",
            "a",
            "--modelon-key=b",
            "--simai-totp",
            "123456",
            "--device-interval=1",
            "--dlubal-port",
            "9000",
            "--dlubal-tls-port=9001",
            "--dlubal-key",
            "ak-1",
            "--dlubal-limited-key=ak-2",
            "--dlubal-ca-file",
            "/tmp/ca.pem",
        ]) else {
            panic!("expected a run");
        };
        let Run {
            opts,
            simai,
            dlubal,
            ca_file: ca,
        } = *run;
        assert_eq!(opts.port, 8123);
        assert_eq!(opts.modelon_keys, ["a", "b"]);
        assert_eq!(simai.totp.as_deref(), Some("123456"));
        assert_eq!(simai.device_interval, 1);
        assert_eq!((dlubal.port, dlubal.tls_port), (9000, 9001));
        assert_eq!(dlubal.keys, ["ak-1"]);
        assert_eq!(dlubal.limited_keys, ["ak-2"]);
        assert_eq!(ca.as_deref(), Some(std::path::Path::new("/tmp/ca.pem")));
        assert!(matches!(parse(&["--port=0"]), Ok(Command::Run(r))
            if r.opts.port == 0 && r.dlubal.port == 0 && r.ca_file.is_none()
                && r.simai.totp.is_none() && r.simai.device_interval == 5));
        assert!(matches!(parse(&["--help"]), Ok(Command::Help)));
        assert!(matches!(parse(&["-V"]), Ok(Command::Version)));
    }

    #[test]
    fn rejects_bad_flags_without_echoing_them() {
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--modelon-key", " "]).is_err());
        assert!(parse(&["--dlubal-key", ""]).is_err());
        assert!(parse(&["--dlubal-tls-port", "70000"]).is_err());
        assert!(parse(&["--dlubal-ca-file="]).is_err());
        assert!(parse(&["--simai-totp", ""]).is_err());
        assert!(parse(&["--device-interval", "-1"]).is_err());
        assert!(parse(&["--device-interval"]).is_err());
        let err = parse(&["--modelon-kee", "s3cret"]).err().unwrap();
        assert!(!err.contains("s3cret") && !err.contains("kee"));
    }
}
