//! Dlubal API: several named keys per profile with one default, and the client's `config.ini`.
//!
//! The vendor's Python client (≥ 2.14.9) reads `$XDG_CONFIG_HOME/Dlubal/api/config.ini`
//! (`%LOCALAPPDATA%\Dlubal\api\config.ini` on Windows) with Python's `ConfigParser`: section
//! `[api_keys]`, `name = value` lines, and `default = <value>` (a copy of the default key's value,
//! not its name). Names are lower-cased by the reader, `%` breaks interpolation and a BOM breaks
//! parsing, so SimCred writes plain ASCII. The client rewrites `default` itself, so SimCred merges
//! into the file and never drops entries it did not write.

use super::files::{self, Found, Reexport, Source, VendorFiles};
pub use super::ini::{Ini, IniError};
use super::{CheckOutcome, Hints, KeyPolicy, Provider};
use crate::error::Error;
use crate::http::NetOptions;
use crate::profile::{Profile, Service};
use crate::run_files::{Base, RunFile};
use crate::secret::Secret;
use std::path::{Path, PathBuf};

pub const SECTION: &str = "api_keys";
pub const ENV_KEY: &str = "DLUBAL_API_KEY";
pub const ENV_KEY_NAME: &str = "DLUBAL_API_KEY_NAME";

pub struct Dlubal;

impl Provider for Dlubal {
    fn id(&self) -> &'static str {
        "dlubal"
    }

    fn display_name(&self) -> &'static str {
        "Dlubal API"
    }

    fn key_policy(&self) -> KeyPolicy {
        KeyPolicy::Named
    }

    fn network(&self) -> bool {
        false
    }

    /// Where the application listens (its own settings: gRPC, no HTTP proxy).
    fn settings(&self) -> &'static [super::Setting] {
        super::dlubal_check::SETTINGS
    }

    fn validate_settings(&self, profile: &Profile) -> Vec<String> {
        super::dlubal_check::validate(profile)
    }

    fn warnings(&self, profile: &Profile) -> Vec<String> {
        super::dlubal_check::warnings(profile)
    }

    fn checkable(&self) -> bool {
        true
    }

    /// Every call may count against the company's monthly API requests.
    fn metered(&self) -> bool {
        true
    }

    fn check_key_value(&self, value: &str) -> Result<(), String> {
        check_value(value)
    }

    fn normalize_key_name(&self, name: &str) -> Result<String, String> {
        let n = name.to_ascii_lowercase();
        if n == "default" {
            return Err("\"default\" is reserved in Dlubal's config.ini (it holds a copy of the default key); pick another name and make that key the default".into());
        }
        Ok(n)
    }

    /// `get_application_info` and `get_subscription_info` at the application the profile
    /// names (see `dlubal_check`).
    fn check(&self, profile: &Profile, key: &Secret, net: &NetOptions) -> CheckOutcome {
        if let Err(reason) = check_value(key.expose()) {
            return CheckOutcome::Invalid { reason };
        }
        super::dlubal_check::check(profile, key, net)
    }

    fn env(&self, _profile: &Profile, key_name: &str, key: &Secret) -> Vec<(String, String)> {
        vec![
            (ENV_KEY.to_string(), key.expose().to_string()),
            (ENV_KEY_NAME.to_string(), key_name.to_string()),
        ]
    }

    fn files(&self) -> Option<&dyn VendorFiles> {
        Some(&DlubalFiles)
    }

    /// The client reads only `config.ini`: `run` hands it one holding this key, as the default.
    fn run_files(&self, _p: &Profile, key_name: &str, key: &Secret) -> Vec<RunFile> {
        vec![RunFile {
            // Where config_path() looks on each system.
            base: if cfg!(windows) {
                Base::LocalAppData
            } else {
                Base::Config
            },
            path: "Dlubal/api/config.ini".into(),
            content: Some(Secret::new(format!(
                "[{SECTION}]\n{key_name} = {v}\ndefault = {v}\n",
                v = key.expose()
            ))),
        }]
    }

    /// The client writes only the `config.ini` it reads, which is the overlay's; the user's
    /// real one is watched as a backstop (a client that ignored `XDG_CONFIG_HOME` would write
    /// there): a change that puts the key in it is undone, the user's own edits are not.
    fn run_watch(&self, _profile: &Profile) -> Vec<crate::run_files::Watch> {
        config_path()
            .map(|path| crate::run_files::Watch {
                path,
                policy: crate::run_files::Policy::IfSecret,
            })
            .into_iter()
            .collect()
    }

    fn hints(&self) -> Hints {
        Hints {
            key_name_example: Some("project_1"),
            key_rules: Some(
                "Plain ASCII without %: the Dlubal client's config file cannot hold more.",
            ),
            key_page: None,
            profile_name_example: "rfem",
        }
    }
}

/// The `config.ini` path the current client reads.
pub fn config_path() -> Option<PathBuf> {
    if cfg!(windows) {
        std::env::var_os("LOCALAPPDATA")
            .map(PathBuf::from)
            .map(|b| b.join("Dlubal").join("api").join("config.ini"))
    } else {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(base.join("Dlubal").join("api").join("config.ini"))
    }
}

/// Dlubal's `config.ini` (its text as read from `path`, for messages), its `[api_keys]` section
/// the one read and edited.
pub fn parse_ini(path: &Path, text: &str) -> Result<Ini, IniError> {
    Ini::parse(path, text, SECTION)
}

/// Whether a value can be written to `config.ini` so that `ConfigParser` reads it back as is.
pub fn check_value(value: &str) -> Result<(), String> {
    if !value.is_ascii() {
        return Err(
            "the key has non-ASCII characters, which Dlubal's config.ini cannot hold".into(),
        );
    }
    if value.contains('%') {
        return Err(
            "the key contains %, which breaks Python ConfigParser's interpolation in config.ini"
                .into(),
        );
    }
    if value.chars().any(|c| c.is_control()) {
        return Err("the key contains control characters".into());
    }
    Ok(())
}

// ---- config.ini as a vendor file -------------------------------------------------------------

/// The keys in the text of Dlubal's `config.ini` (`path` is for messages): every `[api_keys]`
/// entry but `default`, the one whose value `default` copies marked as the default; a `default`
/// that copies none of them becomes `imported-default`.
pub fn parse_config(path: &Path, text: &str) -> crate::error::Result<Vec<Found>> {
    let service = Service::of(&Dlubal);
    let ini = parse_ini(path, text)?;
    let default = ini.get("default").map(String::from);
    let mut named_default = false;
    let mut out = Vec::new();
    for (n, v) in ini.entries() {
        if n == "default" {
            continue;
        }
        let Some(s) = Secret::from_user_input(&v) else {
            continue;
        };
        let is_default = default.as_deref() == Some(v.as_str()) && !named_default;
        named_default |= is_default;
        let mut f = Found::new(service, Source::File(path.to_path_buf()), &n, s);
        f.is_default = is_default;
        f.problem = f.problem.or_else(|| files::name_problem("key", &n));
        out.push(f);
    }
    if let (Some(d), false) = (&default, named_default) {
        if let Some(s) = Secret::from_user_input(d) {
            out.push(Found::new(
                service,
                Source::File(path.to_path_buf()),
                "imported-default",
                s,
            ));
        }
    }
    Ok(out)
}

fn ini_set(ini: &mut Ini, name: &str, value: &Secret) -> crate::error::Result<()> {
    Ok(ini.set(name, value.expose())?)
}

/// Dlubal's `config.ini`.
struct DlubalFiles;

impl VendorFiles for DlubalFiles {
    fn label(&self) -> &'static str {
        "Dlubal's config.ini"
    }

    fn default_path(&self) -> Option<PathBuf> {
        config_path()
    }

    fn scan(&self) -> crate::error::Result<Vec<Found>> {
        match config_path() {
            Some(p) => match files::read_opt(&p)? {
                Some(text) => parse_config(&p, &text),
                None => Ok(vec![]),
            },
            None => Ok(vec![]),
        }
    }

    /// The current `config.ini` entry by entry (to import, or to remove where SimCred holds
    /// the same key; a file that is not a regular file or does not parse is a finding of its
    /// own), and copies older clients kept inside their package
    /// (`site-packages/dlubal/api/config.ini` in any environment below the home directory).
    fn audit(
        &self,
        held: &crate::finding::Held<'_>,
    ) -> crate::error::Result<Vec<crate::finding::Finding>> {
        let mut out = match self.scan() {
            Ok(found) => {
                let mut out = crate::finding::from_scan(&found, "the key", held);
                for (f, x) in found.iter().zip(out.iter_mut()) {
                    if f.name == "imported-default" {
                        x.what = x.what.replacen(
                            "the key \"imported-default\"",
                            "the key in the `default` entry",
                            1,
                        );
                    }
                    x.what.push_str(" in plaintext (Dlubal's client reads config.ini, and rewrites its `default` entry on every use)");
                    if x.todo.is_none() {
                        x.todo = Some("import it (`simcred import --service dlubal --remove-plaintext`), then run your scripts with `simcred run PROFILE -- …`, which hands the client a private config.ini".into());
                    }
                }
                out
            }
            Err(e) => config_path()
                .map(|p| {
                    vec![crate::finding::Finding::unreadable(
                        Service::of(&Dlubal),
                        &p,
                        &e,
                    )]
                })
                .unwrap_or_default(),
        };
        let Some(h) = files::home() else {
            return Ok(out);
        };
        let mut budget = 200_000;
        let suffix = ["site-packages", "dlubal", "api", "config.ini"];
        for p in crate::audit::find_below(&h, &suffix, 9, &mut budget) {
            let keys = files::read_opt(&p)
                .ok()
                .flatten()
                .and_then(|t| parse_config(&p, &t).ok())
                .map(|f| f.len())
                .unwrap_or(0);
            if keys > 0 {
                out.push(crate::finding::Finding {
                    service: Some(Dlubal.id().to_string()),
                    path: p.display().to_string(),
                    line: None,
                    what: format!(
                        "{keys} key(s) in the config.ini an older Dlubal client kept in its package"
                    ),
                    advice: crate::finding::Advice::Remove,
                    todo: None,
                });
            }
        }
        Ok(out)
    }

    fn write(
        &self,
        prof: &Profile,
        pairs: &[(String, Secret)],
        path: &Path,
        force: bool,
    ) -> crate::error::Result<()> {
        let text = files::read_opt(path)?.unwrap_or_default();
        let mut ini = parse_ini(path, &text)?;
        let mut conflicts = Vec::new();
        for (n, s) in pairs {
            check_value(s.expose()).map_err(|m| Error::Invalid(format!("key \"{n}\": {m}")))?;
            if let Some(v) = ini.get(n) {
                if v != s.expose() {
                    conflicts.push(n.clone());
                }
            }
        }
        if !conflicts.is_empty() && !force {
            return Err(Error::ExportConflict {
                path: path.display().to_string(),
                names: conflicts,
            });
        }
        for (n, s) in pairs {
            ini_set(&mut ini, n, s)?;
        }
        let default_value = pairs
            .iter()
            .find(|(n, _)| prof.default_key.as_deref() == Some(n.as_str()))
            .map(|(_, s)| s.clone())
            .or_else(|| {
                if ini.get("default").is_none() {
                    pairs.first().map(|(_, s)| s.clone())
                } else {
                    None
                }
            });
        if let Some(d) = default_value {
            ini_set(&mut ini, "default", &d)?;
        }
        files::write(path, &ini.to_text(), true)
    }

    fn remove(
        &self,
        dl: &[&Found],
        done: &mut Vec<String>,
        remaining: &mut Vec<String>,
    ) -> crate::error::Result<()> {
        let Some((p, shown, text)) = files::open_for_removal(dl)? else {
            return Ok(());
        };
        let mut ini = parse_ini(&p, &text)?;
        let mut lines = Vec::new();
        for f in dl {
            if f.name == "imported-default" || ini.get(&f.name) != Some(f.secret.expose()) {
                continue;
            }
            if ini.remove(&f.name)? {
                lines.push(format!("removed \"{}\" from {shown}", f.name));
            }
        }
        if let Some(d) = ini.get("default").map(String::from) {
            if dl.iter().any(|f| f.secret.expose() == d) && ini.remove("default")? {
                lines.push(format!("removed \"default\" from {shown}"));
            }
        }
        if !lines.is_empty() {
            files::write(&p, &ini.to_text(), true)?;
            done.extend(lines);
        }
        files::report_still_there(
            &p,
            &shown,
            dl,
            |f| format!("the value of \"{}\"", f.name),
            remaining,
        )
    }

    fn rewrite(
        &self,
        _profile: &Profile,
        name: &str,
        old: &Secret,
        new: &Secret,
        path: &Path,
        text: &str,
    ) -> Reexport {
        let shown = path.display();
        let mut ini = match parse_ini(path, text) {
            Ok(i) => i,
            Err(e) => return Reexport::Kept(e.to_string()),
        };
        if ini.get(name) != Some(old.expose()) {
            return Reexport::Gone(format!(
                "{shown} no longer holds the old value of \"{name}\", so SimCred left it alone"
            ));
        }
        let written = (|| -> crate::error::Result<()> {
            check_value(new.expose())
                .map_err(|m| Error::Invalid(format!("key \"{name}\": {m}")))?;
            let default_copies_old = ini.get("default") == Some(old.expose());
            ini_set(&mut ini, name, new)?;
            if default_copies_old {
                ini_set(&mut ini, "default", new)?;
            }
            files::write(path, &ini.to_text(), true)
        })();
        match written {
            Ok(()) => Reexport::Written,
            Err(e) => Reexport::Kept(format!("{shown} still holds the old key: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "; mine\n[api_keys]\nproject_1 = ak-1111\nProject_2 = ak-2222\ndefault = ak-1111\n\n[other]\nx = 1\n";

    #[test]
    fn reads_like_configparser() {
        let ini = parse_ini(Path::new("c.ini"), SAMPLE).unwrap();
        assert_eq!(ini.get("project_2"), Some("ak-2222"));
        assert_eq!(ini.get("default"), Some("ak-1111"));
    }

    #[test]
    fn merge_keeps_everything_else() {
        let mut ini = parse_ini(Path::new("c.ini"), SAMPLE).unwrap();
        ini.set("project_3", "ak-3333").unwrap();
        ini.set("default", "ak-3333").unwrap();
        let out = ini.to_text();
        assert!(out.starts_with("; mine\n[api_keys]\nproject_1 = ak-1111\n"));
        assert!(
            out.contains("project_3 = ak-3333\n\n[other]\nx = 1\n"),
            "{out}"
        );
        assert!(out.contains("default = ak-3333"));
        assert_eq!(out.matches("default").count(), 1);
    }

    #[test]
    fn new_file_gets_the_section() {
        let mut ini = parse_ini(Path::new("c.ini"), "").unwrap();
        ini.set("a", "ak-1").unwrap();
        assert_eq!(ini.to_text(), "[api_keys]\na = ak-1\n");
    }

    #[test]
    fn malformed_lines_are_reported_with_line() {
        let e = parse_ini(Path::new("c.ini"), "[api_keys]\nok = 1\njunk line\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.to_string().starts_with("c.ini:3:"));
        assert!(parse_ini(Path::new("c.ini"), "a = 1\n").is_err());
        assert!(parse_ini(Path::new("c.ini"), "[api_keys]\na=1\nA=2\n").is_err());
    }

    #[test]
    fn bom_is_dropped_and_values_checked() {
        let ini = parse_ini(Path::new("c.ini"), "\u{feff}[api_keys]\na = ak-1\n").unwrap();
        assert!(!ini.to_text().starts_with('\u{feff}'));
        assert!(check_value("ak-50%").is_err());
        assert!(check_value("ak-ok").is_ok());
    }
    #[test]
    fn errors_name_the_line_and_never_quote_it() {
        let key = "ak-9f8e7d6c5b4a39281706f5e4d3c2b1a0";
        for text in [
            format!("[api_keys]\nok = 1\n{key}\n"),
            format!("{key} = 1\n"),
            format!("[api_keys]\n = {key}\n"),
            format!("[api_keys]\n{key} = 1\n{key} = 2\n"),
            format!("[{key}]\n[{key}]\n"),
        ] {
            let e = parse_ini(Path::new("/h/config.ini"), &text).unwrap_err();
            let m = e.to_string();
            assert!(m.starts_with("/h/config.ini:"), "{m}");
            assert!(!m.contains("ak-9f8e"), "{m}");
            assert!(m.contains("expected") || m.contains("repeats"), "{m}");
        }
    }

    #[test]
    fn accepts_what_configparser_accepts() {
        let ini = parse_ini(
            Path::new("c.ini"),
            "[api_keys] ; my keys\na: ak-1\nB =ak-2\nc =\nd = x\n  more\n\n  end\n",
        )
        .unwrap();
        assert_eq!(ini.get("a"), Some("ak-1"));
        assert_eq!(ini.get("b"), Some("ak-2"));
        assert_eq!(ini.get("c"), Some(""));
        assert_eq!(ini.get("d"), Some("x\nmore\n\nend"));
        let ini = parse_ini(
            Path::new("c.ini"),
            "[DEFAULT]\nx = ak-d\n[api_keys]\na = 1\n",
        )
        .unwrap();
        assert_eq!(ini.get("x"), Some("ak-d"));
        assert_eq!(ini.entries().len(), 2);
    }

    #[test]
    fn edits_keep_continuations_and_refuse_what_would_not_read_back() {
        let text = "[api_keys]\na = 1\nb = 2\n   cont\n\n[other]\nx = 1\n";
        let mut ini = parse_ini(Path::new("c.ini"), text).unwrap();
        // Taking out `b` alone would make `cont` a continuation of `a`: its lines go too.
        assert!(ini.remove("b").unwrap());
        assert_eq!(ini.get("a"), Some("1"));
        assert_eq!(ini.to_text(), "[api_keys]\na = 1\n\n[other]\nx = 1\n");
        let before = ini.to_text();
        assert!(ini.set("n", "two\nlines").is_err());
        assert!(ini.set("n", " padded").is_err());
        assert_eq!(ini.to_text(), before);
        ini.set("n", "ak-n").unwrap();
        assert_eq!(ini.get("n"), Some("ak-n"));
        // A [DEFAULT] entry seen through [api_keys] is removed where it is.
        let mut ini = parse_ini(
            Path::new("c.ini"),
            "[DEFAULT]\nk = ak-1\n[api_keys]\na = 2\n",
        )
        .unwrap();
        assert!(ini.remove("k").unwrap());
        assert_eq!(ini.get("k"), None);
        assert!(!ini.remove("k").unwrap());
    }

    /// Inputs where INI readers tend to differ; Python's `configparser` is the oracle.
    const CORPUS: &[&str] = &[
        "[api_keys] ; note\na = ak-1\n",
        "[api_keys] # note\na = ak-1\n",
        "[api_keys] trailing text\na = ak-1\n",
        "[api_keys]\na: ak-1\nb=ak-2\nc : ak-3\n",
        "[api_keys]\na = ak-1\n  continued\n\n  more\n\nb = 2\n",
        "# c\n; c\n[api_keys]\n  # indented comment\na = 1\n",
        "[DEFAULT]\nx = ak-d\n[api_keys]\na = 1\n",
        "[DEFAULT]\nx = ak-d\n[api_keys]\nx = own\ny = 2\n",
        "[api_keys]\n  a = 1\n",
        "[api_keys]\na =\n",
        "[api_keys]\na\n",
        "[api_keys]\na = 1\n[api_keys]\n",
        "[api_keys]\na = 1\nA = 2\n",
        "a = 1\n",
        "[api_keys]\n= 1\n",
        "[api_keys]\n : 1\n",
        "[api_keys]\na = 1 ; not a comment\n",
        "[api_keys]\na = x = y\n",
        "[api_keys]\na:b = c\n",
        "[ api_keys ]\na = 1\n",
        "[API_KEYS]\na = 1\n",
        "[api_keys]]\na = 1\n",
        "[]\n",
        "[api_keys]\n[]\n",
        "[api_keys]\r\na = 1\r\nb = 2\r\n",
        "[api_keys]\ra = 1\rb = 2\r",
        "[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n[api_keys]\n",
        "[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n",
        "[api_keys]\na = 1\n\t\tb = 2\n",
        "[x]\na = 1\n  [api_keys]\nb = 2\n",
        "[api_keys]\nÄ = ak-ü\nΣΑΣ = 1\n",
        "[api_keys]\na = 1\n#c\n  cont\n",
        "\n\n[api_keys]\n\n\na = 1\n\n",
        "[api_keys]\na = ak-1\u{1c}\n",
        "[api_keys]\n\u{1f}a = ak-1\n",
        "[api_keys]\na = 1\n   \n  b\n",
        "[api_keys]\na = ak-%s\n",
        "[api_keys]\nk\u{a0}= v\u{2003}\n",
        "  [api_keys]\na = 1\n",
        "[api_keys]\n    a = 1\n  b = 2\n",
        "[api_keys]\na = 1\n    b = 2\n  c = 3\n",
        "[api_keys]\n;a = 1\n#b = 2\n",
        "",
        "\n",
        "[api_keys]\na = \"quoted\"\n",
        "[a]\n[b]\n[a]\n",
        "[api_keys]\n[x\n",
        "[api_keys]\n[x = 1\n",
        "[api_keys]\nDefault = AK-1\n",
        "[DEFAULT]\nd = 1\n",
        "[api_keys]\na = 1\n\u{b}\u{c}\n  b\n",
        "[api_keys]\na = 1\n\n\n",
        "[api_keys]\na=\n  x\n",
        "[api_keys]\n a = 1\n b = 2\n",
        "[api_keys]\nx = 1\n  ; indented comment\n  y\n",
        "[api_keys]\nkey with spaces = 1\n",
        "[api_keys]\n\u{0}a = 1\n",
        "[api_keys]\na = 1\u{0}2\n",
        "[a] ; x ] y\nk = 1\n",
        "[api_keys]\n\u{2028}a = 1\n",
        "[api_keys]\na = 1\u{85}\n",
    ];

    /// The `[api_keys]` items of one file, in order.
    type Items = Vec<(String, String)>;

    /// Runs Python's `configparser` over the corpus: `None` where it refuses the file, else
    /// the `[api_keys]` items.
    fn python_reads(dir: &Path) -> Option<Vec<Option<Items>>> {
        let mut files = Vec::new();
        for (i, text) in CORPUS.iter().enumerate() {
            let p = dir.join(format!("{i}.ini"));
            std::fs::write(&p, text).unwrap();
            files.push(p);
        }
        let script = r#"
import configparser, json, sys
out = []
for p in sys.argv[1:]:
    cp = configparser.ConfigParser()
    try:
        cp.read(p, encoding="utf-8")
    except configparser.Error:
        out.append(None)
        continue
    out.append(cp.items("api_keys", raw=True) if cp.has_section("api_keys") else [])
print(json.dumps(out))
"#;
        let out = match std::process::Command::new("python3")
            .arg("-I")
            .arg("-c")
            .arg(script)
            .args(&files)
            .output()
        {
            Ok(o) => o,
            Err(e) => {
                eprintln!(
                    "NOTE: python3 is not available ({e}); skipping the configparser oracle test"
                );
                return None;
            }
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(serde_json::from_slice(&out.stdout).unwrap())
    }

    #[test]
    fn agrees_with_python_configparser() {
        let dir = tempfile::tempdir().unwrap();
        let Some(expected) = python_reads(dir.path()) else {
            return;
        };
        assert_eq!(expected.len(), CORPUS.len());
        for (text, want) in CORPUS.iter().zip(expected) {
            let got = parse_ini(Path::new("c.ini"), text)
                .ok()
                .map(|i| i.entries());
            assert_eq!(got, want, "input {text:?}");
        }
    }

    /// Issue 20: on Windows the client reads `%LOCALAPPDATA%\Dlubal\api\config.ini` only, so
    /// `run` points `LOCALAPPDATA` (not `XDG_CONFIG_HOME`) at the private overlay, which is
    /// removed with the run. (The user's other entries are linked in only where Windows lets
    /// the user make symbolic links; Wine 8 does not make them, so that is not asserted here.)
    #[cfg(windows)]
    #[test]
    fn run_hands_the_windows_client_config_ini_below_localappdata() {
        let prof = Profile {
            name: "rfem".into(),
            service: Service::of(&Dlubal),
            settings: Default::default(),
            default_key: None,
            keys: vec![],
            tokens: vec![],
            store: None,
        };
        let files = Dlubal.run_files(&prof, "p1", &Secret::new("ak-win"));
        let h = crate::handoff::Handoff::prepare(&files).unwrap();
        let vars: Vec<&str> = h.env().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(vars, ["LOCALAPPDATA"]);
        let overlay = PathBuf::from(&h.env()[0].1);
        assert!(overlay.starts_with(h.dir()), "{}", overlay.display());
        let ini = std::fs::read_to_string(overlay.join("Dlubal").join("api").join("config.ini"));
        assert_eq!(ini.unwrap(), "[api_keys]\np1 = ak-win\ndefault = ak-win\n");
        let dir = h.dir().to_path_buf();
        h.close().unwrap();
        assert!(!dir.exists(), "{}", dir.display());
    }
}
