//! `run --mask`'s filter: a stream in which every secret handed to the child is replaced by
//! `***`, passed on as it comes. Only a tail that could still become a secret is held back (the
//! longest suffix that is a proper prefix of one), until the next bytes settle it or the stream
//! ends; so a prompt without a newline or a `\r` progress bar shows at once, and a secret split
//! over two writes is still masked.
//!
//! The rule is the one `run --mask` always had: each secret in turn, every occurrence of it,
//! leftmost first, replaced by [`MASK`]; the next secret is looked for in what the previous one
//! left (so one stage per secret, each holding back its own tail of what the stage before it
//! passed on). Empty secrets are skipped.

use simcred_core::Secret;
use std::io::{ErrorKind, Read, Write};

/// What replaces a secret in masked output.
pub const MASK: &[u8] = b"***";

/// One secret's stage: what it passes on is final; `held` could still become the secret.
struct Stage {
    needle: Vec<u8>,
    held: Vec<u8>,
}

impl Stage {
    /// Masks `held + input` as far as it is settled, and keeps the unsettled tail.
    fn feed(&mut self, input: &[u8]) -> Vec<u8> {
        let mut buf = std::mem::take(&mut self.held);
        buf.extend_from_slice(input);
        let n = &self.needle;
        let mut out = Vec::with_capacity(buf.len());
        let mut i = 0;
        while i < buf.len() {
            let rest = &buf[i..];
            if rest.starts_with(n) {
                out.extend_from_slice(MASK);
                i += n.len();
            } else if rest.len() < n.len() && n.starts_with(rest) {
                // Could still become the secret: wait for the next bytes.
                break;
            } else {
                out.push(buf[i]);
                i += 1;
            }
        }
        self.held = buf.split_off(i);
        out
    }
}

/// A masking filter over one output stream.
pub struct Masker {
    stages: Vec<Stage>,
}

impl Masker {
    pub fn new(secrets: &[Secret]) -> Masker {
        Masker {
            stages: secrets
                .iter()
                .map(|s| s.expose().as_bytes().to_vec())
                .filter(|n| !n.is_empty())
                .map(|needle| Stage {
                    needle,
                    held: Vec::new(),
                })
                .collect(),
        }
    }

    /// The masked bytes that `input` settles (possibly none, possibly some held before).
    pub fn feed(&mut self, input: &[u8]) -> Vec<u8> {
        let mut data = input.to_vec();
        for st in &mut self.stages {
            data = st.feed(&data);
        }
        data
    }

    /// The end of the stream: what was held back, masked (it never became a secret).
    pub fn finish(&mut self) -> Vec<u8> {
        let mut data = Vec::new();
        for st in &mut self.stages {
            data = st.feed(&data);
            data.append(&mut st.held);
        }
        data
    }

    /// How many bytes are held back now.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.stages.iter().map(|s| s.held.len()).sum()
    }
}

/// `text` with every secret replaced by [`MASK`].
#[cfg(test)]
pub fn masked(text: &[u8], secrets: &[Secret]) -> Vec<u8> {
    let mut m = Masker::new(secrets);
    let mut out = m.feed(text);
    out.extend(m.finish());
    out
}

/// Copies `from` to `to` as it comes (each read passed on at once, flushed), masking secrets.
/// Ends at the end of `from` or a read error; a write error (the reader went away) stops the
/// writing but not the reading, so the child is not blocked on a full pipe.
pub fn pump(mut from: impl Read, mut to: impl Write, secrets: Vec<Secret>) {
    let mut m = Masker::new(&secrets);
    let mut buf = [0u8; 8192];
    let mut writing = true;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let out = m.feed(&buf[..n]);
        if writing && !out.is_empty() {
            writing = to.write_all(&out).and_then(|()| to.flush()).is_ok();
        }
    }
    if writing {
        let _ = to.write_all(&m.finish());
        let _ = to.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_even_across_long_lines() {
        let s = vec![Secret::new("ak-123456789"), Secret::new("tok.en")];
        assert_eq!(
            masked(b"key=ak-123456789 t=tok.en ak-123456789\n", &s),
            b"key=*** t=*** ***\n"
        );
        let mut long = vec![b'x'; 70 * 1024];
        long.extend_from_slice(b"ak-123456789\n");
        let mut out = Vec::new();
        pump(&long[..], &mut out, s);
        assert!(!String::from_utf8_lossy(&out).contains("ak-123456789"));
        assert!(out.ends_with(b"***\n"));
    }

    /// Issue 17 item 5: a secret that straddles the 64 KiB cut of a long line is still masked,
    /// wherever the cut falls in it (reads come in 8 KiB, so the first cut is near 72 KiB: byte 73 716 for this key).
    #[test]
    fn a_secret_across_the_64_kib_cut_is_masked() {
        let key = "ak-123456789";
        for at in 73_600..73_800 {
            let s = vec![Secret::new(key), Secret::new("tok.en")];
            let mut long = vec![b'x'; at];
            long.extend_from_slice(key.as_bytes());
            long.extend_from_slice(&[b'y'; 20 * 1024]);
            long.push(b'\n');
            let mut out = Vec::new();
            pump(&long[..], &mut out, s);
            let text = String::from_utf8_lossy(&out);
            assert!(!text.contains("ak-1"), "the key at byte {at} was kept");
            assert!(
                !text.contains("456789"),
                "the key's end at byte {at} was kept"
            );
            assert_eq!(text.matches("***").count(), 1, "at byte {at}");
        }
    }

    /// Fed in any two pieces, the output is what masking the whole gives, and nothing of a
    /// secret is passed on before the piece that settles it.
    #[test]
    fn a_secret_split_anywhere_is_masked_and_only_its_possible_start_waits() {
        let s = vec![Secret::new("abcab"), Secret::new("x***y")];
        let text = b"zabcabcab abcabx***y ab\rabca\rdone x**abca";
        let whole = masked(text, &s);
        assert_eq!(whole, b"z***cab ****** ab\rabca\rdone x**abca".to_vec());
        for cut in 0..=text.len() {
            let mut m = Masker::new(&s);
            let mut out = m.feed(&text[..cut]);
            let early = out.clone();
            out.extend(m.feed(&text[cut..]));
            out.extend(m.finish());
            assert_eq!(out, whole, "cut at {cut}");
            assert!(
                whole.starts_with(&early),
                "cut at {cut}: passed on what it had to take back"
            );
        }
        // Byte by byte too.
        let mut m = Masker::new(&s);
        let mut out = Vec::new();
        for b in text {
            out.extend(m.feed(&[*b]));
        }
        out.extend(m.finish());
        assert_eq!(out, whole);
    }

    #[test]
    fn only_a_possible_start_of_a_secret_is_held_back() {
        let s = vec![Secret::new("mk-12345")];
        let mut m = Masker::new(&s);
        assert_eq!(m.feed(b"Name? "), b"Name? ");
        assert_eq!(m.feed(b"\r 10%"), b"\r 10%");
        assert_eq!(m.feed(b"key=mk-12"), b"key=");
        assert_eq!(m.held(), 5);
        assert_eq!(m.feed(b"345 done"), b"*** done");
        assert_eq!(m.feed(b" m"), b" ");
        assert_eq!(m.feed(b"k-9"), b"mk-9");
        assert_eq!(m.feed(b"mk-"), b"");
        assert_eq!(m.finish(), b"mk-");
        // No secret, nothing held.
        let mut m = Masker::new(&[Secret::new("")]);
        assert_eq!(m.feed(b"abc"), b"abc");
        assert_eq!(m.finish(), b"");
    }
}
