//! The redaction every log line passes through on its way to a file (and "Copy diagnostics"):
//! `recur_domain::redact::redact` on any text. Checked: it never panics (a panic there would
//! take down whatever thread logged), a second pass changes nothing, and a key prefix at a
//! word's start is never followed by any of the key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use recur_domain::redact::redact;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let once = redact(&text);
    assert_eq!(redact(&once), once, "a second pass changed {once:?}");
    for prefix in ["sk_live_", "sk_test_", "whsec_"] {
        for (at, _) in once.match_indices(prefix) {
            let starts_word = once[..at].chars().last().is_none_or(|c| !c.is_ascii_alphanumeric());
            let rest = &once[at + prefix.len()..];
            let token = rest.starts_with(|c: char| {
                c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '~' | '+' | '/' | '=')
            });
            assert!(
                !starts_word || rest.starts_with("[redacted]") || !token,
                "a key survived in {once:?}"
            );
        }
    }
});
