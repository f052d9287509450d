//! The webhook signature verifier (`recur_domain::signature`) on any header and body.
//!
//! Input: one byte for the secret's length, the secret, then the header up to the first NUL,
//! then the body. Checked: `verify` never panics; whatever it is given, it accepts the MAC it
//! would send (Base64, hex, `sha256=` hex, padded with blanks), and never accepts a header that
//! is not a MAC of this body (a wrong header verifies only if it decodes to the same 32 bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use recur_domain::signature;

fuzz_target!(|data: &[u8]| {
    let Some((&len, rest)) = data.split_first() else {
        return;
    };
    let len = usize::from(len).min(rest.len());
    let (secret, rest) = rest.split_at(len);
    let secret = String::from_utf8_lossy(secret);
    let (header, body) = match rest.iter().position(|&b| b == 0) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let header = String::from_utf8_lossy(header);

    let accepted = signature::verify(&secret, body, &header);
    let base64 = signature::sign_base64(&secret, body);
    let hex = signature::sign_hex(&secret, body);
    if accepted {
        // Only a header that is some spelling of the very MAC may verify.
        let h = header.trim();
        let h = h.strip_prefix("sha256=").unwrap_or(h);
        let spelled = h == base64 || h.eq_ignore_ascii_case(&hex) || same_mac_in_base64(h, &base64);
        assert!(spelled, "accepted {header:?}, which is not the MAC {base64} / {hex}");
    }
    assert!(signature::verify(&secret, body, &base64));
    assert!(signature::verify(&secret, body, &hex));
    assert!(signature::verify(&secret, body, &format!(" sha256={hex}\t")));
    assert!(signature::verify(&secret, body, &hex.to_uppercase()));
    // A MAC of this body under another secret never verifies (one secret is not another's).
    let other = format!("{secret}x");
    assert!(!signature::verify(&other, body, &base64));
});

/// Base64 has one spelling per byte string in the standard alphabet with padding, but a
/// decoder may accept non-canonical trailing bits; only those may differ from `base64`.
fn same_mac_in_base64(header: &str, base64: &str) -> bool {
    header.len() == base64.len() && header[..header.len() - 2] == base64[..base64.len() - 2]
}
