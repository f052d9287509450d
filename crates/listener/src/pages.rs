//! The customer's return pages: where the browser lands after paying or cancelling.
//!
//! Self-contained HTML (inline CSS, no scripts, nothing loaded from elsewhere), zh-TW first with
//! English beneath. The page only thanks the customer: whether a payment really happened is
//! learnt from the webhook or a session read, never from a browser opening this URL — anyone can
//! open it. The `session_id` is decoded with `url::form_urlencoded` and passed on only if it
//! looks like an id; the hook call itself is rate-limited and queued on a bounded lane (see
//! `hooks`), so a flood of visits costs the app nothing but dropped calls.

use url::form_urlencoded;

use crate::config::ReturnKind;
use crate::hooks::HookCalls;
use crate::response::{self, Answer};

/// Serves the page for `kind`; `query` is the request's query string, if any.
pub(crate) fn serve(kind: ReturnKind, query: Option<&str>, hooks: &HookCalls) -> Answer {
    let session_id = query.and_then(session_id);
    hooks.returned(kind, session_id.as_deref());
    response::html(page(kind, session_id.as_deref()))
}

fn page(kind: ReturnKind, session_id: Option<&str>) -> String {
    let (title_zh, title_en, text_zh, text_en, colour) = match kind {
        ReturnKind::Success => (
            "付款完成",
            "Payment complete",
            "感謝您的付款，請回到櫃檯。",
            "Thank you for your payment. Please return to the counter.",
            "#1b7f3b",
        ),
        ReturnKind::Cancel => (
            "已取消",
            "Cancelled",
            "付款未完成。如需協助，請回到櫃檯。",
            "The payment was not completed. Please return to the counter if you need help.",
            "#8a5a00",
        ),
    };
    // Only characters of `looks_like_id` can reach here, but escape anyway.
    let reference = session_id
        .map(|id| format!("<p class=\"ref\">參考編號 Reference: {}</p>", escape(id)))
        .unwrap_or_default();
    format!(
        "<!doctype html>\n<html lang=\"zh-Hant-TW\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title_zh} {title_en}</title><style>\
body{{font-family:system-ui,\"Noto Sans TC\",\"PingFang TC\",sans-serif;margin:0;background:#f6f6f4;color:#222}}\
main{{max-width:32rem;margin:12vh auto;padding:2rem;background:#fff;border-radius:12px;text-align:center}}\
h1{{color:{colour};font-size:2.2rem;margin:.2rem 0}}h2{{color:{colour};font-weight:400;margin:0 0 1.2rem}}\
p{{font-size:1.15rem;line-height:1.6}}.ref{{color:#777;font-size:.85rem;word-break:break-all}}\
</style></head><body><main><h1>{title_zh}</h1><h2 lang=\"en\">{title_en}</h2>\
<p>{text_zh}</p><p lang=\"en\">{text_en}</p>{reference}</main></body></html>\n"
    )
}

/// The first `session_id` of a query string, decoded, if it looks like one of Recur's ids.
fn session_id(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "session_id")
        .map(|(_, value)| value.into_owned())
        .filter(|id| looks_like_id(id))
}

/// Recur's ids are opaque but plain: letters, digits, `_` and `-`.
fn looks_like_id(text: &str) -> bool {
    (1..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_plain_session_id_from_the_query() {
        let long = format!("session_id={}", "a".repeat(129));
        let cases = [
            ("session_id=cs_123", Some("cs_123")),
            ("a=1&session_id=c%6Fuid-9", Some("couid-9")),
            ("session_id=cs_1&session_id=cs_2", Some("cs_1")),
            ("session_id=", None),
            ("session_idx=1", None),
            ("session_id=%zz", None),
            ("session_id=cs+1", None),
            ("session_id=%3Cscript%3E", None),
            (long.as_str(), None),
        ];
        for (query, expected) in cases {
            assert_eq!(session_id(query).as_deref(), expected, "{query}");
        }
    }

    #[test]
    fn only_plain_ids_are_passed_on_and_pages_are_self_contained() {
        let ids = [
            ("c1234567890abcdefghijklmn", true),
            ("{CHECKOUT_SESSION_ID}", false),
            ("<script>", false),
            ("", false),
        ];
        for (id, ok) in ids {
            assert_eq!(looks_like_id(id), ok, "{id}");
        }
        for kind in [ReturnKind::Success, ReturnKind::Cancel] {
            let html = page(kind, Some("cs_1"));
            assert!(!html.contains("http") && !html.contains("<script"), "{html}");
            assert!(html.contains("cs_1"));
        }
    }
}
