//! JSON Web Tokens for the tests: base64url both ways, the claims of a token (unverified), and
//! an RSA key made with `openssl` that signs RS256 identity tokens, as a CI system (GitLab,
//! GitHub Actions) or an OpenID provider issues them.

use std::path::PathBuf;
use std::process::Command;

/// Base64url without padding (JWT segments).
pub fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// The bytes of base64url text (padding and anything else outside the alphabet skipped).
pub fn b64url_decode(text: &str) -> Vec<u8> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut bytes = Vec::new();
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => continue,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            bytes.push((bits >> n) as u8);
        }
    }
    bytes
}

/// The claims of a JWT-shaped token (its base64url payload, unverified).
pub fn claims_of(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&b64url_decode(payload)).unwrap()
}

/// The `azp` claim (the client it was issued to) of a JWT-shaped token.
pub fn azp_of(token: &str) -> String {
    claims_of(token)["azp"].as_str().unwrap().to_string()
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// An RSA key made with `openssl`, and RS256 identity tokens signed with it, as a CI system
/// (GitLab, GitHub Actions) issues them to its jobs.
pub struct Issuer {
    dir: tempfile::TempDir,
}

impl Default for Issuer {
    fn default() -> Self {
        Self::new()
    }
}

impl Issuer {
    pub fn new() -> Issuer {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key.pem");
        let ok = |c: &mut Command| assert!(c.status().unwrap().success(), "{c:?}");
        ok(Command::new("openssl")
            .args(["genpkey", "-quiet", "-algorithm", "RSA", "-out"])
            .arg(&key));
        ok(Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(&key)
            .arg("-out")
            .arg(dir.path().join("pub.pem")));
        Issuer { dir }
    }

    pub fn public_pem(&self) -> PathBuf {
        self.dir.path().join("pub.pem")
    }

    /// A token for `sub` and `aud`, valid for ten minutes.
    pub fn token(&self, sub: &str, aud: &str) -> String {
        let now = unix_now();
        self.sign(&serde_json::json!({
            "iss": "https://ci.example.test", "sub": sub, "aud": aud,
            "iat": now, "nbf": now, "exp": now + 600,
        }))
    }

    /// The key as a JWK (`n` from `openssl`'s modulus, `e` = 65537).
    pub fn jwk(&self) -> serde_json::Value {
        let out = Command::new("openssl")
            .args(["pkey", "-pubin", "-noout", "-text", "-in"])
            .arg(self.public_pem())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let hex: String = text
            .split("Modulus:")
            .nth(1)
            .unwrap()
            .split("Exponent:")
            .next()
            .unwrap()
            .chars()
            .filter(char::is_ascii_hexdigit)
            .collect();
        let mut bytes: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        while bytes.first() == Some(&0) {
            bytes.remove(0);
        }
        serde_json::json!({"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k1", "n": b64url(&bytes), "e": "AQAB"})
    }

    /// `claims` as an RS256 JWT signed with the key.
    pub fn sign(&self, claims: &serde_json::Value) -> String {
        let head = b64url(br#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#);
        let body = b64url(claims.to_string().as_bytes());
        let input = self.dir.path().join("input");
        std::fs::write(&input, format!("{head}.{body}")).unwrap();
        let sig = Command::new("openssl")
            .args(["dgst", "-sha256", "-sign"])
            .arg(self.dir.path().join("key.pem"))
            .arg(&input)
            .output()
            .unwrap();
        assert!(sig.status.success(), "{sig:?}");
        format!("{head}.{body}.{}", b64url(&sig.stdout))
    }
}
