//! The certificates of the sandbox's Dlubal TLS listener, made fresh at every start: a CA of
//! its own (whose PEM clients are given, as Dlubal's `ssl_file`) and a server certificate for
//! `127.0.0.1` and `localhost` signed by it. Keys are ECDSA P-256, made with ring (as rustls
//! uses here), and live only in memory.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};

/// What the TLS listener needs, in PEM.
pub(crate) struct Certs {
    /// The CA's certificate: what clients trust.
    pub ca_pem: String,
    /// The server's certificate.
    pub cert_pem: String,
    /// The server's private key.
    pub key_pem: String,
}

/// Makes a CA and a server certificate for `127.0.0.1` and `localhost` signed by it.
///
/// # Errors
/// When rcgen cannot make a key or a certificate (it should not).
pub(crate) fn make() -> std::io::Result<Certs> {
    make_certs()
        .map_err(|e| std::io::Error::other(format!("cannot make the TLS certificates: {e}")))
}

fn make_certs() -> Result<Certs, rcgen::Error> {
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.distinguished_name = name("SimCred sandbox CA (Dlubal)");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate()?)?;

    // A string that parses as an IP address becomes an IP SAN, the rest DNS names.
    let mut server = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
    server.distinguished_name = name("localhost");
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate()?;
    let cert = server.signed_by(&key, &ca)?;
    Ok(Certs {
        ca_pem: ca.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(DnType::OrganizationName, "SimCred sandbox");
    dn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_a_fresh_ca_and_a_server_certificate() {
        let a = make().unwrap();
        let b = make().unwrap();
        for pem in [&a.ca_pem, &a.cert_pem] {
            assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        }
        assert!(a.key_pem.contains("PRIVATE KEY"));
        assert_ne!(a.ca_pem, b.ca_pem, "each start has its own CA");
    }
}
