//! The messages and method paths of Dlubal's `Application` services that a key check uses.

/// `google.protobuf.Empty`.
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub struct Empty {}

/// `dlubal.api.common.ApplicationType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum ApplicationType {
    Unspecified = 0,
    DlubalCenter = 1,
    ReportViewer = 2,
    Rfem = 3,
    Rstab = 4,
    Rsection = 5,
    WebSections = 6,
    CrashReporter = 7,
}

/// `dlubal.api.common.ApplicationInfo`: what `get_application_info` answers.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct ApplicationInfo {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(enumeration = "ApplicationType", tag = "2")]
    pub r#type: i32,
    #[prost(bool, tag = "3")]
    pub is_server_instance: bool,
    #[prost(string, tag = "4")]
    pub version: String,
    #[prost(string, tag = "5")]
    pub full_version: String,
    #[prost(string, tag = "6")]
    pub options: String,
    #[prost(string, tag = "7")]
    pub language_name: String,
    #[prost(string, tag = "8")]
    pub language_id: String,
}

/// `dlubal.api.common.SubscriptionInfo`: what `get_subscription_info` answers.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct SubscriptionInfo {
    #[prost(int32, tag = "1")]
    pub api_requests_count: i32,
    #[prost(int32, tag = "2")]
    pub api_requests_limit: i32,
    #[prost(string, tag = "3")]
    pub subscription_plan: String,
}

/// Which application a profile talks to; each serves its own `Application` service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Product {
    #[default]
    Rfem,
    Rstab,
    Rsection,
}

impl Product {
    /// Every product, in the order forms list them.
    pub const ALL: [Product; 3] = [Product::Rfem, Product::Rstab, Product::Rsection];

    /// The name in profiles (`product = "rstab"`).
    pub fn id(self) -> &'static str {
        match self {
            Product::Rfem => "rfem",
            Product::Rstab => "rstab",
            Product::Rsection => "rsection",
        }
    }

    /// The name people know.
    pub fn display_name(self) -> &'static str {
        match self {
            Product::Rfem => "RFEM",
            Product::Rstab => "RSTAB",
            Product::Rsection => "RSECTION",
        }
    }

    /// The product a profile names, case-insensitively.
    pub fn parse(id: &str) -> Option<Product> {
        Product::ALL
            .into_iter()
            .find(|p| p.id().eq_ignore_ascii_case(id.trim()))
    }

    /// The gRPC service, `dlubal.api.rfem.Application`.
    pub fn service(self) -> String {
        format!("dlubal.api.{}.Application", self.id())
    }

    /// The path of one of the service's methods, `/dlubal.api.rfem.Application/get_application_info`.
    pub fn path(self, method: &str) -> String {
        format!("/{}/{method}", self.service())
    }
}

/// The method every client calls first, which proves the key.
pub const GET_APPLICATION_INFO: &str = "get_application_info";
/// The method that tells the plan and this month's request count.
pub const GET_SUBSCRIPTION_INFO: &str = "get_subscription_info";

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn paths_are_the_clients() {
        assert_eq!(
            Product::Rstab.path(GET_SUBSCRIPTION_INFO),
            "/dlubal.api.rstab.Application/get_subscription_info"
        );
        assert_eq!(Product::parse(" RFEM "), Some(Product::Rfem));
        assert_eq!(Product::parse("rfem6"), None);
    }

    /// The bytes the vendor's Python writes for `SubscriptionInfo(api_requests_count=1234,
    /// api_requests_limit=10000, subscription_plan="Pro")` (`SerializeToString()`).
    #[test]
    fn subscription_info_decodes_the_vendors_bytes() {
        let bytes = [
            0x08, 0xd2, 0x09, 0x10, 0x90, 0x4e, 0x1a, 0x03, b'P', b'r', b'o',
        ];
        let info = SubscriptionInfo::decode(&bytes[..]).unwrap();
        assert_eq!(info.api_requests_count, 1234);
        assert_eq!(info.api_requests_limit, 10000);
        assert_eq!(info.subscription_plan, "Pro");
        assert_eq!(info.encode_to_vec(), bytes);
    }
}
