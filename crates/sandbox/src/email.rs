//! What the sandbox accepts as an email address (the checkout's prefill and the page's form).
//! Deliberately loose: Recur's own rules are not published, and a receipt address only has to
//! look like one here.

/// Something@something: enough for a receipt address in a sandbox.
pub fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((user, domain)) => !user.is_empty() && !domain.is_empty() && !text.contains(char::is_whitespace),
        None => false,
    }
}
