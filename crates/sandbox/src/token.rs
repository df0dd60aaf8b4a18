//! Fresh random tokens for the fake services (regenerated API keys, device and user codes, the
//! JWT-shaped OAuth tokens), and the base64url coding those tokens are made of.
//!
//! Built on std's `RandomState`, whose SipHash keys come from the OS's random source, so that the
//! sandbox needs no RNG crate. The tokens guard nothing real: they only have to be unique and
//! unguessable enough that a test cannot pass by luck.

use std::collections::hash_map::RandomState;
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    hasher.finish()
}

/// `bytes` random bytes as lowercase hex (`2 * bytes` characters).
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut out = String::with_capacity(bytes * 2);
    while out.len() < bytes * 2 {
        for b in random_u64().to_le_bytes() {
            if out.len() < bytes * 2 {
                let _ = write!(out, "{b:02x}");
            }
        }
    }
    out
}

/// `n` random bytes.
pub(crate) fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        out.extend_from_slice(&random_u64().to_le_bytes());
    }
    out.truncate(n);
    out
}

/// A random version-4 UUID, hyphenated, lowercase.
pub(crate) fn random_uuid() -> String {
    let mut b = random_bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Letters for user codes: consonants only (RFC 8628 §6.1: no vowels, so no words; no letters
/// that look like digits).
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

/// A device-flow user code, 8 letters shown as `ABCD-EFGH`.
pub(crate) fn random_user_code() -> String {
    let letters: Vec<char> = random_bytes(8)
        .into_iter()
        // 256 is not a multiple of 20: the bias is irrelevant for a fake.
        .map(|b| char::from(USER_CODE_ALPHABET[usize::from(b) % USER_CODE_ALPHABET.len()]))
        .collect();
    let (a, b) = letters.split_at(4);
    format!(
        "{}-{}",
        a.iter().collect::<String>(),
        b.iter().collect::<String>()
    )
}

const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding (RFC 4648 §5), as JWTs use it.
pub(crate) fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            let index = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(B64URL[index as usize]));
        }
    }
    out
}

/// Decodes unpadded (or padded) base64url; `None` when it is not.
pub(crate) fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            let value = B64URL.iter().position(|&a| a == c)?;
            n |= u32::try_from(value).ok()? << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push(n.to_be_bytes()[1 + i]);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_and_matches_rfc4648() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url(plain.as_bytes()), coded);
            assert_eq!(base64url_decode(coded).unwrap(), plain.as_bytes());
        }
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url_decode("-_8=").unwrap(), [0xfb, 0xff]);
        assert!(base64url_decode("a").is_none());
        assert!(base64url_decode("ab+/").is_none());
        let bytes = random_bytes(100);
        assert_eq!(base64url_decode(&base64url(&bytes)).unwrap(), bytes);
    }

    #[test]
    fn uuids_and_user_codes_have_their_shapes() {
        let uuid = random_uuid();
        assert_eq!(uuid.len(), 36);
        assert_eq!(uuid.matches('-').count(), 4);
        assert_eq!(&uuid[14..15], "4");
        assert_ne!(uuid, random_uuid());
        let code = random_user_code();
        assert_eq!(code.len(), 9);
        assert_eq!(&code[4..5], "-");
        assert!(code
            .bytes()
            .filter(|&b| b != b'-')
            .all(|b| USER_CODE_ALPHABET.contains(&b)));
        assert_eq!(random_bytes(5).len(), 5);
    }

    #[test]
    fn tokens_are_hex_of_the_asked_length_and_differ() {
        let a = random_hex(20);
        let b = random_hex(20);
        assert_eq!(a.len(), 40);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
        assert_eq!(random_hex(3).len(), 6);
    }
}
