//! Identifier newtypes, so a checkout id can never be passed where a sale id is expected.
//!
//! Recur's ids are opaque strings (docs show `cs_…`, real ones are cuids): they are never
//! parsed. Our own sale id ([`TxnId`]) is a ULID, so ids sort by creation time.

use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }
    };
}

string_id!(
    /// Our own id for a sale: written to the ledger before Recur is called and sent to Recur
    /// as `metadata.transaction_id`.
    TxnId
);
string_id!(
    /// Recur's checkout session id.
    CheckoutId
);
string_id!(
    /// Recur's product id.
    ProductId
);
string_id!(
    /// Recur's webhook event id (the dedupe key of the webhook journal).
    EventId
);
string_id!(
    /// Recur's order id, known once a payment succeeded.
    OrderId
);
string_id!(
    /// Recur's subscription id.
    SubscriptionId
);

impl TxnId {
    /// A new sortable id (ULID, 26 characters, Crockford base32).
    pub fn generate() -> Self {
        Self(ulid::Ulid::new().to_string())
    }

    /// A fresh id whose time part is `unix_ms` (ids then sort by that time: seeded history).
    pub fn generate_at(unix_ms: u64) -> Self {
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(unix_ms);
        Self(ulid::Ulid::from_datetime(at).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_unique_and_sort_by_creation() {
        let a = TxnId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = TxnId::generate();
        assert_ne!(a, b);
        assert!(a < b, "{a} should sort before {b}");
        assert_eq!(a.as_str().len(), 26);
    }

    #[test]
    fn debug_names_the_kind() {
        assert_eq!(format!("{:?}", CheckoutId::new("cs_1")), "CheckoutId(\"cs_1\")");
    }
}
