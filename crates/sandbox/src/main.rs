//! `simcred-sandbox`: runs the loopback fake cloud until killed.
//!
//! Prints exactly one line to stdout, `SIMCRED_SANDBOX_URL=http://127.0.0.1:PORT`, for scripts to
//! read, then a human note to stderr (the services' URLs and SimAI's demo user and password).
//! Keys given with `--modelon-key` and the code given with `--simai-totp` are never printed.

use std::io::Write;
use std::process::ExitCode;

use simcred_sandbox::{Sandbox, SandboxOptions, SimaiOptions};

const USAGE: &str = "\
Usage: simcred-sandbox [--port N] [--modelon-key KEY]... [--simai-totp CODE] [--device-interval N]

Runs a loopback fake cloud speaking the vendors' protocols, until killed.

Options:
  --port N               port on 127.0.0.1 (default 0: pick a free one)
  --modelon-key KEY      a Modelon Impact key valid from the start (repeatable)
  --simai-totp CODE      SimAI's password login also wants this one-time code
  --device-interval N    seconds a SimAI device login must wait between polls (default 5)
  -h, --help             print this help
  -V, --version          print the version";

enum Command {
    Run(SandboxOptions, SimaiOptions),
    Help,
    Version,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut opts = SandboxOptions::default();
    let mut simai = SimaiOptions::default();
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
            "--port" => {
                let port = value("--port")?;
                opts.port = port
                    .parse()
                    .map_err(|_| format!("--port: {port:?} is not a port number"))?;
            }
            "--modelon-key" => {
                let key = value("--modelon-key")?;
                if key.trim().is_empty() {
                    return Err("--modelon-key: the key is empty".to_owned());
                }
                opts.modelon_keys.push(key.trim().to_owned());
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
    Ok(Command::Run(opts, simai))
}

fn main() -> ExitCode {
    let (opts, simai) = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(opts, simai)) => (opts, simai),
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
    let sandbox = match Sandbox::start_with(opts, simai) {
        Ok(sandbox) => sandbox,
        Err(err) => {
            eprintln!("simcred-sandbox: cannot listen on 127.0.0.1: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "SIMCRED_SANDBOX_URL={}", sandbox.url())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(stdout);
    eprintln!(
        "simcred-sandbox: Modelon Impact at {} (JupyterHub front at {}); {}; \
         Ansys SimAI API at {} (realm {}), {simai_note}; stop with Ctrl-C",
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
        let Ok(Command::Run(opts, simai)) = parse(&[
            "--port",
            "8123",
            "--modelon-key",
            "a",
            "--modelon-key=b",
            "--simai-totp",
            "123456",
            "--device-interval=1",
        ]) else {
            panic!("expected a run");
        };
        assert_eq!(opts.port, 8123);
        assert_eq!(opts.modelon_keys, ["a", "b"]);
        assert_eq!(simai.totp.as_deref(), Some("123456"));
        assert_eq!(simai.device_interval, 1);
        assert!(matches!(parse(&["--port=0"]), Ok(Command::Run(o, s))
            if o.port == 0 && s.totp.is_none() && s.device_interval == 5));
        assert!(matches!(parse(&["--help"]), Ok(Command::Help)));
        assert!(matches!(parse(&["-V"]), Ok(Command::Version)));
    }

    #[test]
    fn rejects_bad_flags_without_echoing_them() {
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--modelon-key", " "]).is_err());
        assert!(parse(&["--simai-totp", ""]).is_err());
        assert!(parse(&["--device-interval", "-1"]).is_err());
        assert!(parse(&["--device-interval"]).is_err());
        let err = parse(&["--modelon-kee", "s3cret"]).err().unwrap();
        assert!(!err.contains("s3cret") && !err.contains("kee"));
    }
}
