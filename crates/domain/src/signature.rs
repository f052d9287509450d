//! Recur webhook signatures (recur-api.md §6).
//!
//! `X-Recur-Signature` is `base64(HMAC-SHA256(key = the whole secret including "whsec_",
//! message = the raw body bytes))`. Some of Recur's own scripts send the same MAC as lowercase
//! hex, so both encodings verify. Verification works on the raw bytes, before any JSON parsing,
//! and compares in constant time. The timestamp header is not covered by the MAC, so it is not
//! checked here.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The raw 32-byte MAC of `body` under `secret`.
pub fn mac(secret: &str, body: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    m.update(body);
    m.finalize().into_bytes().into()
}

/// The header value Recur sends: Base64 of the MAC.
pub fn sign_base64(secret: &str, body: &[u8]) -> String {
    STANDARD.encode(mac(secret, body))
}

/// The same MAC as lowercase hex, as some of Recur's scripts send it.
pub fn sign_hex(secret: &str, body: &[u8]) -> String {
    mac(secret, body).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `header` is a valid signature of `body`, in Base64 or hex, compared in constant
/// time. A missing, empty or malformed header is simply not valid.
pub fn verify(secret: &str, body: &[u8], header: &str) -> bool {
    let Some(given) = decode_signature(header.trim()) else {
        return false;
    };
    let expected = mac(secret, body);
    given.len() == expected.len() && bool::from(given.as_slice().ct_eq(&expected))
}

fn decode_signature(text: &str) -> Option<Vec<u8>> {
    // Some senders prefix the scheme, as in `sha256=<hex>`.
    let text = text.strip_prefix("sha256=").unwrap_or(text);
    if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return decode_hex(text);
    }
    STANDARD.decode(text).ok()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_BODY: &str = r#"{"id":"evt_test_0001","type":"checkout.completed","data":{"id":"cs_test_0001","status":"COMPLETED","amount":299,"currency":"TWD","metadata":{"transaction_id":"txn_0001"}}}"#;

    #[test]
    fn matches_the_published_test_vectors() {
        let cases: [(&str, &[u8], &str); 2] = [
            ("whsec_abc", b"{}", "p+IMOaO9mg0AEJkGSDoSXLonxnb5/qvN6HAjYXcMwCA="),
            (
                "whsec_test_secret",
                VECTOR_BODY.as_bytes(),
                "WzCadP+1hpy3yAs8fTjlGvTSy13pYmVSFJTMMRcG1l8=",
            ),
        ];
        assert_eq!(VECTOR_BODY.len(), 171);
        for (secret, body, expected) in cases {
            assert_eq!(sign_base64(secret, body), expected);
            assert!(verify(secret, body, expected));
        }
        assert_eq!(
            sign_hex("whsec_abc", b"{}"),
            "a7e20c39a3bd9a0d00109906483a125cba27c676f9feabcde8702361770cc020"
        );
    }

    #[test]
    fn accepts_hex_in_either_case_and_a_scheme_prefix() {
        let hex = "a7e20c39a3bd9a0d00109906483a125cba27c676f9feabcde8702361770cc020";
        assert!(verify("whsec_abc", b"{}", hex));
        assert!(verify("whsec_abc", b"{}", &hex.to_uppercase()));
        assert!(verify("whsec_abc", b"{}", &format!("sha256={hex}")));
    }

    #[test]
    fn rejects_wrong_secret_body_or_garbage() {
        let good = sign_base64("whsec_abc", b"{}");
        let cases: [(&str, &[u8], &str); 6] = [
            ("whsec_abd", b"{}", good.as_str()),
            ("whsec_abc", b"{ }", good.as_str()),
            ("whsec_abc", b"{}", ""),
            ("whsec_abc", b"{}", "not base64 at all!"),
            ("whsec_abc", b"{}", "p+IMOaO9mg0AEJkGSDoSXLonxnb5"),
            ("abc", b"{}", good.as_str()),
        ];
        for (secret, body, header) in cases {
            assert!(!verify(secret, body, header), "{secret} {body:?} {header}");
        }
    }
}
