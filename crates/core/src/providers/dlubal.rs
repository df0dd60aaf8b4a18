//! Dlubal API: several named keys per profile with one default, and the client's `config.ini`.
//!
//! The vendor's Python client (≥ 2.14.9) reads `$XDG_CONFIG_HOME/Dlubal/api/config.ini`
//! (`%LOCALAPPDATA%\Dlubal\api\config.ini` on Windows) with Python's `ConfigParser`: section
//! `[api_keys]`, `name = value` lines, and `default = <value>` (a copy of the default key's value,
//! not its name). Names are lower-cased by the reader, `%` breaks interpolation and a BOM breaks
//! parsing, so SimCred writes plain ASCII. The client rewrites `default` itself, so SimCred merges
//! into the file and never drops entries it did not write.

use super::{CheckOutcome, KeyPolicy, Provider};
use crate::http::NetOptions;
use crate::profile::{Profile, Service};
use crate::secret::Secret;
use std::path::{Path, PathBuf};

pub const SECTION: &str = "api_keys";
pub const ENV_KEY: &str = "DLUBAL_API_KEY";
pub const ENV_KEY_NAME: &str = "DLUBAL_API_KEY_NAME";

pub struct Dlubal;

impl Provider for Dlubal {
    fn service(&self) -> Service {
        Service::Dlubal
    }

    fn key_policy(&self) -> KeyPolicy {
        KeyPolicy::Named
    }

    fn normalize_key_name(&self, name: &str) -> Result<String, String> {
        let n = name.to_ascii_lowercase();
        if n == "default" {
            return Err("\"default\" is reserved in Dlubal's config.ini (it holds a copy of the default key); pick another name and use `simcred key default`".into());
        }
        Ok(n)
    }

    fn check(&self, _: &Profile, _: &Secret, _: &NetOptions) -> CheckOutcome {
        CheckOutcome::NotCheckable {
            reason: "Dlubal keys are checked by a running RFEM/RSTAB application; SimCred cannot check them yet, so the key stays unverified".into(),
        }
    }

    fn env(&self, _profile: &Profile, key_name: &str, key: &Secret) -> Vec<(String, String)> {
        vec![
            (ENV_KEY.to_string(), key.expose().to_string()),
            (ENV_KEY_NAME.to_string(), key_name.to_string()),
        ]
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

/// A `config.ini` that does not parse the way Python's `ConfigParser` would.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}. SimCred left the file unchanged")]
pub struct IniError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone)]
struct Opt {
    section: String,
    key: String,
    value: String,
    /// First and last line (inclusive) of the option, continuation lines included.
    first: usize,
    last: usize,
}

/// An INI file read with `ConfigParser`'s rules, editable line by line so everything else
/// in it stays as it was.
#[derive(Debug, Clone)]
pub struct Ini {
    lines: Vec<String>,
    opts: Vec<Opt>,
    /// Section name → index of its header line.
    sections: Vec<(String, usize)>,
}

impl Ini {
    /// Parses `text` (as read from `path`, for messages).
    pub fn parse(path: &Path, text: &str) -> Result<Ini, IniError> {
        let err = |line: usize, message: String| IniError {
            path: path.to_path_buf(),
            line,
            message,
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let lines: Vec<String> = text.lines().map(String::from).collect();
        let mut opts: Vec<Opt> = Vec::new();
        let mut sections: Vec<(String, usize)> = Vec::new();
        let mut current: Option<String> = None;
        let mut last_opt: Option<usize> = None;
        for (i, raw) in lines.iter().enumerate() {
            let trimmed = raw.trim();
            if trimmed.is_empty() {
                last_opt = None;
                continue;
            }
            if trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            let indented = raw.starts_with(' ') || raw.starts_with('\t');
            if indented {
                if let Some(o) = last_opt {
                    let opt = &mut opts[o];
                    opt.value.push('\n');
                    opt.value.push_str(trimmed);
                    opt.last = i;
                    continue;
                }
            }
            if trimmed.starts_with('[') {
                let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) else {
                    return Err(err(
                        i + 1,
                        format!("section header \"{trimmed}\" is not closed with ]"),
                    ));
                };
                if sections.iter().any(|(s, _)| s == name) {
                    return Err(err(i + 1, format!("section [{name}] appears twice")));
                }
                sections.push((name.to_string(), i));
                current = Some(name.to_string());
                last_opt = None;
                continue;
            }
            let Some(section) = &current else {
                return Err(err(
                    i + 1,
                    "a setting comes before any [section] header".into(),
                ));
            };
            let Some(pos) = trimmed.find(['=', ':']) else {
                return Err(err(
                    i + 1,
                    format!(
                        "\"{}\" is neither a section, a comment nor a name = value line",
                        trimmed.chars().take(40).collect::<String>()
                    ),
                ));
            };
            let key = trimmed[..pos].trim().to_ascii_lowercase();
            let value = trimmed[pos + 1..].trim().to_string();
            if key.is_empty() {
                return Err(err(i + 1, "a line has a value but no name".into()));
            }
            if opts.iter().any(|o| &o.section == section && o.key == key) {
                return Err(err(
                    i + 1,
                    format!("\"{key}\" appears twice in [{section}]"),
                ));
            }
            opts.push(Opt {
                section: section.clone(),
                key,
                value,
                first: i,
                last: i,
            });
            last_opt = Some(opts.len() - 1);
        }
        Ok(Ini {
            lines,
            opts,
            sections,
        })
    }

    /// `name → value` of the `[api_keys]` section, `default` included, in file order.
    pub fn api_keys(&self) -> Vec<(String, String)> {
        self.opts
            .iter()
            .filter(|o| o.section == SECTION)
            .map(|o| (o.key.clone(), o.value.clone()))
            .collect()
    }

    /// The value of one `[api_keys]` entry.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.opts
            .iter()
            .find(|o| o.section == SECTION && o.key == key)
            .map(|o| o.value.as_str())
    }

    /// Sets `[api_keys] name = value`, replacing the entry if there is one.
    pub fn set(&mut self, key: &str, value: &str) {
        let line = format!("{key} = {value}");
        if let Some(o) = self
            .opts
            .iter()
            .find(|o| o.section == SECTION && o.key == key)
            .cloned()
        {
            self.splice(o.first, o.last, Some(line));
        } else if let Some(&(_, header)) = self.sections.iter().find(|(s, _)| s == SECTION) {
            // After the section's last non-blank line.
            let next_header = self
                .sections
                .iter()
                .map(|(_, l)| *l)
                .filter(|l| *l > header)
                .min()
                .unwrap_or(self.lines.len());
            let mut at = next_header;
            while at > header + 1 && self.lines[at - 1].trim().is_empty() {
                at -= 1;
            }
            self.lines.insert(at, line);
            self.reparse();
        } else {
            if self.lines.last().is_some_and(|l| !l.trim().is_empty()) {
                self.lines.push(String::new());
            }
            self.lines.push(format!("[{SECTION}]"));
            self.lines.push(line);
            self.reparse();
        }
    }

    /// Removes an `[api_keys]` entry; `false` when it was not there.
    pub fn remove(&mut self, key: &str) -> bool {
        match self
            .opts
            .iter()
            .find(|o| o.section == SECTION && o.key == key)
            .cloned()
        {
            Some(o) => {
                self.splice(o.first, o.last, None);
                true
            }
            None => false,
        }
    }

    fn splice(&mut self, first: usize, last: usize, with: Option<String>) {
        self.lines.splice(first..=last, with);
        self.reparse();
    }

    fn reparse(&mut self) {
        let text = self.to_text();
        *self = Ini::parse(Path::new(""), &text).expect("edits keep the file valid");
    }

    /// The file's text (no BOM, `\n` line ends, final newline).
    pub fn to_text(&self) -> String {
        let mut s = self.lines.join("\n");
        s.push('\n');
        s
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "; mine\n[api_keys]\nproject_1 = ak-1111\nProject_2 = ak-2222\ndefault = ak-1111\n\n[other]\nx = 1\n";

    #[test]
    fn reads_like_configparser() {
        let ini = Ini::parse(Path::new("c.ini"), SAMPLE).unwrap();
        assert_eq!(ini.get("project_2"), Some("ak-2222"));
        assert_eq!(ini.get("default"), Some("ak-1111"));
    }

    #[test]
    fn merge_keeps_everything_else() {
        let mut ini = Ini::parse(Path::new("c.ini"), SAMPLE).unwrap();
        ini.set("project_3", "ak-3333");
        ini.set("default", "ak-3333");
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
        let mut ini = Ini::parse(Path::new("c.ini"), "").unwrap();
        ini.set("a", "ak-1");
        assert_eq!(ini.to_text(), "[api_keys]\na = ak-1\n");
    }

    #[test]
    fn malformed_lines_are_reported_with_line() {
        let e = Ini::parse(Path::new("c.ini"), "[api_keys]\nok = 1\njunk line\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.to_string().starts_with("c.ini:3:"));
        assert!(Ini::parse(Path::new("c.ini"), "a = 1\n").is_err());
        assert!(Ini::parse(Path::new("c.ini"), "[api_keys]\na=1\nA=2\n").is_err());
    }

    #[test]
    fn bom_is_dropped_and_values_checked() {
        let ini = Ini::parse(Path::new("c.ini"), "\u{feff}[api_keys]\na = ak-1\n").unwrap();
        assert!(!ini.to_text().starts_with('\u{feff}'));
        assert!(check_value("ak-50%").is_err());
        assert!(check_value("ak-ok").is_ok());
    }
}
