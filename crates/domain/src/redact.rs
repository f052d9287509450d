//! [`redact`]: what may leave the machine in a log file or in "Copy diagnostics".
//!
//! Keys (`sk_…`, `pk_…`, `rk_…`, `whsec_…`) keep their prefix and lose the rest; a URL's
//! password (`postgres://user:X@host`) goes; a value after
//! a word that names a secret (`--token X`, `authtoken=X`, `"password": "X"`,
//! `Authorization: Bearer X`) is replaced; JWT-like tokens (`eyJ…`, what cloudflared's tunnel
//! tokens are) go whole; an e-mail keeps its first letter and its domain (`a***@example.com`).
//! It works on text of any shape (a log line, a JSON document, a command line), so it is
//! deliberately eager: an id that merely looks like a key is hidden too.
//!
//! Not here: keeping secrets out of logs in the first place ([`crate::Secret`] has a redacted
//! `Debug` and no `Serialize`); this is the second line. Used by `recur-pos-app`'s log files and
//! diagnostics; fuzzed by the `redact` target (`fuzz/`).

/// Key prefixes whose remainder is secret.
const KEY_PREFIXES: [&str; 7] = [
    "sk_live_", "sk_test_", "pk_live_", "pk_test_", "rk_live_", "rk_test_", "whsec_",
];
/// Words after which the next value is secret (compared lowercase, as the end of a word).
const SECRET_WORDS: [&str; 8] = [
    "token",
    "authtoken",
    "secret",
    "password",
    "passwd",
    "api_key",
    "apikey",
    "bearer",
];
const HIDDEN: &str = "[redacted]";

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '~' | '+' | '/' | '=')
}

/// `text` with every secret replaced (see the module's notes).
pub fn redact(text: &str) -> String {
    let urls = redact_url_passwords(text);
    let keys = redact_keys(&urls);
    let words = redact_after_words(&keys);
    let jwts = redact_jwts(&words);
    mask_emails(&jwts)
}

/// `postgres://pos:secret@host/db` → `postgres://pos:[redacted]@host/db`: the password of any
/// URL's user part (a shared ledger's address typed with it).
fn redact_url_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        // The user part ends at '@', before any character that cannot be in it.
        let end = tail.find(|c: char| matches!(c, '/' | '?' | '#' | '@') || c.is_whitespace());
        match end.filter(|&e| tail[e..].starts_with('@')) {
            Some(e) => match tail[..e].find(':') {
                Some(colon) => {
                    out.push_str(&tail[..=colon]);
                    out.push_str(HIDDEN);
                    rest = &tail[e..];
                }
                None => rest = tail,
            },
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

fn redact_keys(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for prefix in KEY_PREFIXES {
            let head = rest.as_bytes().get(..prefix.len());
            // The prefix is ASCII, so a match ends on a character boundary.
            if head.is_some_and(|h| h.eq_ignore_ascii_case(prefix.as_bytes())) {
                let after = &rest[prefix.len()..];
                let len = after.find(|c: char| !is_token_char(c)).unwrap_or(after.len());
                // At a word's start only: `task_test_…` is not a key.
                let starts_word = out.chars().last().is_none_or(|c| !c.is_ascii_alphanumeric());
                if len > 0 && starts_word {
                    out.push_str(&rest[..prefix.len()]);
                    out.push_str(HIDDEN);
                    rest = &after[len..];
                    continue 'outer;
                }
            }
        }
        let c = rest.chars().next().expect("not empty");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn redact_after_words(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let word_end = SECRET_WORDS.iter().find_map(|w| {
            let end = i + w.len();
            let is_word = lower.get(i..end) == Some(*w)
                && lower[end..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_');
            is_word.then_some(end)
        });
        if let Some(end) = word_end {
            // Separators: quotes, `=`, `:`, blanks (`--token X`, `"token": "X"`, `token=X`).
            let value_start = text[end..]
                .find(|c: char| !matches!(c, '"' | '\'' | '=' | ':' | ' ' | '\t'))
                .map_or(text.len(), |n| end + n);
            let value_len = text[value_start..]
                .find(|c: char| !is_token_char(c))
                .unwrap_or(text.len() - value_start);
            // Something short (`token: 0`, `secret: set`) is not worth hiding and tells a reader
            // what the line is about; six characters and more are.
            let value = &text[value_start..];
            let handled = value.starts_with(HIDDEN)
                || KEY_PREFIXES.iter().any(|p| {
                    value
                        .as_bytes()
                        .get(..p.len())
                        .is_some_and(|h| h.eq_ignore_ascii_case(p.as_bytes()))
                });
            if value_len >= 6 && value_start > end && !handled {
                out.push_str(&text[i..value_start]);
                out.push_str(HIDDEN);
                i = value_start + value_len;
                continue;
            }
        }
        let c = text[i..].chars().next().expect("in bounds");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

fn redact_jwts(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("eyJ") {
        let after = &rest[at..];
        let len = after.find(|c: char| !is_token_char(c)).unwrap_or(after.len());
        let starts_word = rest[..at].chars().last().is_none_or(|c| !c.is_ascii_alphanumeric());
        out.push_str(&rest[..at]);
        if len >= 20 && starts_word {
            out.push_str(HIDDEN);
        } else {
            out.push_str(&after[..len.max(3)]);
        }
        rest = &after[len.max(3)..];
    }
    out.push_str(rest);
    out
}

/// A character of an e-mail address (as written in a log line), `@` included.
fn is_email_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-' | '@')
}

fn mask_emails(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(is_email_char) {
        out.push_str(&rest[..start]);
        let run_len = rest[start..]
            .find(|c: char| !is_email_char(c))
            .unwrap_or(rest.len() - start);
        out.push_str(&mask_run(&rest[start..start + run_len]));
        rest = &rest[start + run_len..];
    }
    out.push_str(rest);
    out
}

/// One run of e-mail characters: `alice.wang@example.com.tw` → `a***@example.com.tw`. With
/// several `@` (`a@b.c@d.e`), everything before the last one is the local part, so nothing of
/// it is left.
fn mask_run(run: &str) -> String {
    let Some(last_at) = run.rfind('@') else {
        return run.to_owned();
    };
    // A local part starts with a letter or digit (what precedes it stays as it is).
    let lead = run[..last_at].len()
        - run[..last_at]
            .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
            .len();
    let local = &run[lead..last_at];
    // `example.com.tw`: labels of letters, digits and `-`, at least two, none empty (a
    // sentence's full stop after it is not part of it).
    let after = &run[last_at + 1..];
    let host = after.trim_end_matches('.');
    let labels: Vec<&str> = host.split('.').collect();
    let is_host = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    let Some(first) = local.chars().next().filter(|_| is_host) else {
        return run.to_owned();
    };
    format!("{}{first}***@{after}", &run[..lead])
}

#[cfg(test)]
mod tests {
    use super::{is_token_char, redact, HIDDEN};

    #[test]
    fn keys_tokens_and_emails_are_hidden() {
        let cases = [
            ("key sk_live_51HxYzAbC123 used", "key sk_live_[redacted] used"),
            (
                "ledger at postgres://pos:s3cr%40t@10.0.0.5:5432/shop ok",
                "ledger at postgres://pos:[redacted]@10.0.0.5:5432/shop ok",
            ),
            // The user name reads as an e-mail to the masker, which is eager on purpose.
            ("postgres://pos@10.0.0.5/shop", "postgres://p***@10.0.0.5/shop"),
            ("RECUR_SECRET_KEY=sk_test_abcdef", "RECUR_SECRET_KEY=sk_test_[redacted]"),
            ("{\"secret\":\"whsec_Zm9vYmFy\"}", "{\"secret\":\"whsec_[redacted]\"}"),
            (
                "cloudflared tunnel run --token eyJhIjoiYWJjIiwidCI6IjEyMyJ9abc",
                "cloudflared tunnel run --token [redacted]",
            ),
            (
                "ngrok http 8787 --authtoken 2abcDEF456ghi",
                "ngrok http 8787 --authtoken [redacted]",
            ),
            ("Authorization: Bearer abcdef123456", "Authorization: Bearer [redacted]"),
            ("paid by alice.wang@example.com.tw ok", "paid by a***@example.com.tw ok"),
            ("mail bob@shop.example.", "mail b***@shop.example."),
            ("(-carol+pos@example.tw)", "(-c***@example.tw)"),
            // Found by the fuzzer: two addresses run together lose both local parts.
            (
                "alice.wang@example.com.twe.wang@example.com.tw paid",
                "a***@example.com.tw paid",
            ),
            ("password=hunter22", "password=[redacted]"),
            ("a JWT eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "a JWT [redacted]"),
        ];
        for (given, expected) in cases {
            assert_eq!(redact(given), expected, "{given}");
        }
    }

    /// Bounded random text built from the pieces the rules look for, multi-byte characters
    /// among them: never a panic, every key's tail gone, and a second pass changes nothing.
    #[test]
    fn random_text_never_panics_and_redacting_twice_changes_nothing() {
        const PIECES: [&str; 16] = [
            "sk_live_",
            "whsec_",
            "SK_TEST_",
            "eyJ",
            "token",
            "--authtoken ",
            "Bearer ",
            "@",
            ".",
            "a",
            "Z9",
            "=",
            "\"",
            "台北",
            "é",
            " ",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let text: String = (0..len)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            let once = redact(&text);
            assert_eq!(redact(&once), once, "{text:?}");
            // A key prefix at a word's start is followed by nothing of the key.
            for prefix in ["sk_live_", "whsec_"] {
                for (at, _) in once.match_indices(prefix) {
                    let starts_word = once[..at].chars().last().is_none_or(|c| !c.is_ascii_alphanumeric());
                    let rest = &once[at + prefix.len()..];
                    let hidden = rest.starts_with(HIDDEN) || !rest.starts_with(is_token_char);
                    assert!(!starts_word || hidden, "a key survived in {once:?} (from {text:?})");
                }
            }
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for text in [
            "webhook listener started port=8787",
            "sale 01JZ8 PAID 450 TWD; task_test_ok; tokens: 0",
            "mask_test_value and desk_live_x stay",
            "an @ alone, user@localhost, 台北 café",
            // Once masked differently on a second pass: no host, so no e-mail.
            ".whsec_@.@.\"Z9",
            "@example.com alone, a***@example.com already masked",
        ] {
            assert_eq!(redact(text), text);
        }
    }
}
