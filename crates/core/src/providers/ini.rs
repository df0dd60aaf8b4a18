//! An INI file read with Python's `ConfigParser` rules and edited line by line: what a vendor
//! whose client reads an INI file (Dlubal's `config.ini`) uses to read its entries and to merge
//! SimCred's into it without changing how the rest of the file reads. Vendor-neutral: the
//! section is named by the caller.

use std::path::{Path, PathBuf};

/// A `config.ini` that Python's `ConfigParser` would refuse, or an edit SimCred cannot make
/// without changing how the rest of the file reads. The message names the line and what was
/// expected there, never the line's content (it may be a pasted key).
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}: {message}. SimCred left the file unchanged", path.display())]
pub struct IniError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

/// The section `ConfigParser` treats as defaults for every other section.
const DEFAULT_SECTION: &str = "DEFAULT";

#[derive(Debug, Clone, PartialEq)]
struct Opt {
    section: String,
    key: String,
    value: String,
    /// First and last line (inclusive, 0-based) of the option, continuation lines included.
    first: usize,
    last: usize,
}

/// An INI file read with `ConfigParser`'s rules (its defaults: `=` and `:` delimiters, `#` and
/// `;` comment lines, no inline comments, indented continuation lines, lower-cased names,
/// duplicates refused, `[DEFAULT]` inherited by every section), editable line by line so
/// everything else in it stays as it was.
#[derive(Debug, Clone)]
pub struct Ini {
    path: PathBuf,
    /// The section this file's entries are read from and written to.
    section: String,
    lines: Vec<String>,
    opts: Vec<Opt>,
    /// Section name → index of its header line (`[DEFAULT]` may appear more than once).
    sections: Vec<(String, usize)>,
}

/// Python's `str.isspace()`: Unicode white space plus the separators U+001C..U+001F.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(py_space)
}

/// Splits lines the way Python's text files do (universal newlines: `\n`, `\r\n`, `\r`).
fn split_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push(std::mem::take(&mut cur)),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(std::mem::take(&mut cur));
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `ConfigParser.SECTCRE` (`\[(?P<header>.+)\]`, matched at the start): the text between the
/// first `[` and the last `]`, which must not be empty; anything after the `]` is ignored.
fn section_header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    (end > 0).then(|| &rest[..end])
}

/// Builds the option list; see [`Ini::parse`].
struct Parser<'a> {
    path: &'a Path,
    /// The section the caller reads (named in the message for a setting before any header).
    section: &'a str,
    opts: Vec<Opt>,
    sections: Vec<(String, usize)>,
    /// The current section, the last option's index, and its parts (joined at the end).
    current: Option<String>,
    last_opt: Option<usize>,
    parts: Vec<Vec<String>>,
    indent_level: usize,
}

impl Parser<'_> {
    fn err(&self, line: usize, message: impl Into<String>) -> IniError {
        IniError {
            path: self.path.to_path_buf(),
            line: line + 1,
            message: message.into(),
        }
    }

    fn line(&mut self, i: usize, raw: &str) -> Result<(), IniError> {
        let stripped = py_strip(raw);
        let comment = stripped.starts_with('#') || stripped.starts_with(';');
        if stripped.is_empty() || comment {
            // An empty line belongs to a value that continues after it; a comment does not.
            if !comment && self.current.is_some() {
                if let Some(o) = self.last_opt {
                    self.parts[o].push(String::new());
                }
            }
            return Ok(());
        }
        let indent = raw.chars().take_while(|c| py_space(*c)).count();
        if let (Some(_), Some(o)) = (&self.current, self.last_opt) {
            if indent > self.indent_level {
                self.parts[o].push(stripped.to_string());
                self.opts[o].last = i;
                return Ok(());
            }
        }
        self.indent_level = indent;
        if let Some(name) = section_header(stripped) {
            return self.header(i, name);
        }
        self.option(i, stripped)
    }

    fn header(&mut self, i: usize, name: &str) -> Result<(), IniError> {
        if name != DEFAULT_SECTION {
            if let Some((_, at)) = self.sections.iter().find(|(s, _)| s == name) {
                return Err(self.err(
                    i,
                    format!(
                        "this section header repeats the one on line {} (Python's ConfigParser refuses a section given twice)",
                        at + 1
                    ),
                ));
            }
        }
        self.sections.push((name.to_string(), i));
        self.current = Some(name.to_string());
        self.last_opt = None;
        Ok(())
    }

    fn option(&mut self, i: usize, value: &str) -> Result<(), IniError> {
        let Some(section) = self.current.clone() else {
            let msg = format!(
                "expected a [section] header (such as [{}]) before the first setting",
                self.section
            );
            return Err(self.err(i, msg));
        };
        let Some(pos) = value.find(['=', ':']) else {
            return Err(self.err(
                i,
                "expected a name = value line, a [section] header, or a comment starting with # or ;",
            ));
        };
        let key = value[..pos].trim_end_matches(py_space).to_lowercase();
        if key.is_empty() {
            return Err(self.err(i, "expected a name before the = or :"));
        }
        if let Some(o) = self
            .opts
            .iter()
            .find(|o| o.section == section && o.key == key)
        {
            return Err(self.err(
                i,
                format!(
                    "this name repeats the one on line {} in the same section (Python's ConfigParser refuses duplicates)",
                    o.first + 1
                ),
            ));
        }
        self.parts
            .push(vec![py_strip(&value[pos + 1..]).to_string()]);
        self.opts.push(Opt {
            section,
            key,
            value: String::new(),
            first: i,
            last: i,
        });
        self.last_opt = Some(self.opts.len() - 1);
        Ok(())
    }

    fn finish(mut self) -> (Vec<Opt>, Vec<(String, usize)>) {
        for (o, parts) in self.opts.iter_mut().zip(self.parts) {
            o.value = parts.join("\n").trim_end_matches(py_space).to_string();
        }
        (self.opts, self.sections)
    }
}

impl Ini {
    /// Parses `text` (as read from `path`, for messages). A leading BOM is dropped (SimCred
    /// then writes the file without it, which Python reads; Python itself would refuse it).
    pub fn parse(path: &Path, text: &str, section: &str) -> Result<Ini, IniError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let lines = split_lines(text);
        let mut p = Parser {
            path,
            section,
            opts: Vec::new(),
            sections: Vec::new(),
            current: None,
            last_opt: None,
            parts: Vec::new(),
            indent_level: 0,
        };
        for (i, raw) in lines.iter().enumerate() {
            p.line(i, raw)?;
        }
        let (opts, sections) = p.finish();
        Ok(Ini {
            path: path.to_path_buf(),
            section: section.to_string(),
            lines,
            opts,
            sections,
        })
    }

    fn has_section(&self) -> bool {
        self.sections.iter().any(|(s, _)| *s == self.section)
    }

    fn own(&self, section: &str, key: &str) -> Option<&Opt> {
        self.opts
            .iter()
            .find(|o| o.section == section && o.key == key)
    }

    /// `name → value` of the section as `ConfigParser.items()` gives it: the
    /// `[DEFAULT]` entries first (overridden by the section's own), then the section's, in file
    /// order. Empty when there is no such section.
    pub fn entries(&self) -> Vec<(String, String)> {
        if !self.has_section() {
            return Vec::new();
        }
        let defaults = self.opts.iter().filter(|o| o.section == DEFAULT_SECTION);
        let mut out: Vec<(String, String)> = defaults
            .map(|d| {
                let v = self.own(&self.section, &d.key).unwrap_or(d);
                (d.key.clone(), v.value.clone())
            })
            .collect();
        for o in self.opts.iter().filter(|o| o.section == self.section) {
            if !out.iter().any(|(k, _)| *k == o.key) {
                out.push((o.key.clone(), o.value.clone()));
            }
        }
        out
    }

    /// The value of one entry of the section (or the `[DEFAULT]` one it inherits).
    pub fn get(&self, key: &str) -> Option<&str> {
        if !self.has_section() {
            return None;
        }
        self.own(&self.section, key)
            .or_else(|| self.own(DEFAULT_SECTION, key))
            .map(|o| o.value.as_str())
    }

    /// Sets `name = value` in the section, replacing the section's entry if there is one. Refuses
    /// (and changes nothing) when the file would not read back with exactly this value and
    /// everything else as it was.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), IniError> {
        let line = format!("{key} = {value}");
        let before = self.clone();
        let at = if let Some(o) = self.own(&self.section, key).cloned() {
            self.lines.splice(o.first..=o.last, Some(line));
            o.first
        } else if let Some(&(_, header)) = self.sections.iter().find(|(s, _)| *s == self.section) {
            // After the section's last non-blank line.
            let next_header = self
                .sections
                .iter()
                .map(|(_, l)| *l)
                .filter(|l| *l > header)
                .min()
                .unwrap_or(self.lines.len());
            let mut at = next_header;
            while at > header + 1 && py_strip(&self.lines[at - 1]).is_empty() {
                at -= 1;
            }
            self.lines.insert(at, line);
            at
        } else {
            if self.lines.last().is_some_and(|l| !py_strip(l).is_empty()) {
                self.lines.push(String::new());
            }
            self.lines.push(format!("[{}]", self.section));
            self.lines.push(line);
            self.lines.len() - 1
        };
        let section = self.section.clone();
        self.reparse(&before, at, |o| !(o.section == section && o.key == key))?;
        if self.own(&self.section, key).map(|o| o.value.as_str()) != Some(value) {
            let line = self.own(&self.section, key).map(|o| o.first).unwrap_or(at);
            *self = before;
            return Err(self.edit_error(line, key));
        }
        Ok(())
    }

    /// Removes an entry of the section, and a `[DEFAULT]` entry of that name (which the section
    /// would otherwise still show); `false` when there was none. Refuses (and changes nothing)
    /// when taking the lines out would change how the rest of the file reads.
    pub fn remove(&mut self, key: &str) -> Result<bool, IniError> {
        let mut removed = false;
        for section in [self.section.clone(), DEFAULT_SECTION.to_string()] {
            if let Some(o) = self.own(&section, key).cloned() {
                let before = self.clone();
                self.lines.splice(o.first..=o.last, None);
                self.reparse(&before, o.first, |x| {
                    !(x.section == section && x.key == key)
                })?;
                removed = true;
            }
        }
        Ok(removed)
    }

    /// Re-reads the edited lines; on a parse error or when an entry that `keep` selects would
    /// read differently, restores `before` and refuses.
    fn reparse(
        &mut self,
        before: &Ini,
        at: usize,
        keep: impl Fn(&Opt) -> bool,
    ) -> Result<(), IniError> {
        let text = self.to_text();
        let path = self.path.clone();
        let same = |a: &Ini, b: &Ini| {
            let kv = |i: &Ini| -> Vec<(String, String, String)> {
                i.opts
                    .iter()
                    .filter(|o| keep(o))
                    .map(|o| (o.section.clone(), o.key.clone(), o.value.clone()))
                    .collect()
            };
            kv(a) == kv(b)
        };
        match Ini::parse(&path, &text, &self.section) {
            Ok(new) if same(&new, before) => {
                *self = new;
                Ok(())
            }
            _ => {
                *self = before.clone();
                Err(self.edit_error(at, ""))
            }
        }
    }

    fn edit_error(&self, line: usize, key: &str) -> IniError {
        let what = if key.is_empty() {
            "this edit".to_string()
        } else {
            format!("writing \"{key}\"")
        };
        IniError {
            path: self.path.clone(),
            line: line + 1,
            message: format!(
                "{what} would change how Python's ConfigParser reads the lines around it; edit the file by hand"
            ),
        }
    }

    /// The file's text (no BOM, `\n` line ends, final newline).
    pub fn to_text(&self) -> String {
        let mut s = self.lines.join("\n");
        s.push('\n');
        s
    }
}
