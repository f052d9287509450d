//! The hosted checkout page `/checkout/{id}` (view, pay, cancel), the return pages under
//! `/_sandbox/return/` and the index page. Works by plain form posts: no scripts.
//!
//! Rendering is in [`crate::html`]; the payment rules in [`crate::state`].

use recur_domain::{SessionStatus, Timestamp};

use crate::cards::Lang;
use crate::html::{self, texts, FormState};
use crate::http::{method_not_allowed, Req, Resp};
use crate::payment::{PayInput, PayOutcome, Refusal};
use crate::shared::Shared;

pub fn handle(shared: &Shared, req: &Req, now: Timestamp) -> Resp {
    let lang = Lang::parse(req.query("lang"));
    match (req.method.as_str(), req.segments().as_slice()) {
        ("GET" | "HEAD", ["checkout", id]) => view(shared, id, lang, now),
        (_, ["checkout", _]) => method_not_allowed("GET"),
        ("POST", ["checkout", id, "pay"]) => pay(shared, id, req, now),
        ("POST", ["checkout", id, "cancel"]) => cancel(shared, id, req, now),
        (_, ["checkout", _, "pay" | "cancel"]) => method_not_allowed("POST"),
        _ => not_found_page(lang, &req.path),
    }
}

fn view(shared: &Shared, id: &str, lang: Lang, now: Timestamp) -> Resp {
    let opened = shared.state().open_page(id, now);
    let Some((session, event)) = opened else {
        return not_found_page(lang, &format!("/checkout/{id}"));
    };
    if let Some(event) = event {
        shared.emit(&[event]);
    }
    let t = texts(lang);
    let path = format!("/checkout/{id}");
    match session.status {
        SessionStatus::Open => Resp::html(200, html::checkout_page(&session, lang, &FormState::default())),
        SessionStatus::Complete => Resp::html(200, html::message_page(lang, &path, t.paid_title, t.already_paid)),
        SessionStatus::Expired => Resp::html(410, html::message_page(lang, &path, t.title, t.expired)),
    }
}

fn pay(shared: &Shared, id: &str, req: &Req, now: Timestamp) -> Resp {
    let form = req.form();
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let lang = Lang::parse(field("lang").as_deref().or(req.query("lang")));
    let input = PayInput {
        email: field("email").unwrap_or_default(),
        card_number: field("card_number").unwrap_or_default(),
        exp: field("exp"),
        name: field("name"),
        ..PayInput::default()
    };
    let (outcome, events) = shared.state().pay(id, &input, now);
    shared.emit(&events);
    let t = texts(lang);
    let path = format!("/checkout/{id}");
    // The form again, with the reason and what the customer typed.
    let again = |status: u16, message: &str| -> Resp {
        let session = shared.state().session(id, now);
        match session {
            Some(s) => {
                let form = FormState {
                    error: Some(message),
                    email: Some(input.email.as_str()),
                };
                Resp::html(status, html::checkout_page(&s, lang, &form))
            }
            None => not_found_page(lang, &path),
        }
    };
    match outcome {
        PayOutcome::Paid(s) => {
            tracing::info!(id, "checkout paid on the hosted page");
            Resp::redirect(&s.success_redirect())
        }
        PayOutcome::Declined(decline) => again(402, decline.message(lang)),
        PayOutcome::Refused(Refusal::NotFound) => not_found_page(lang, &path),
        PayOutcome::Refused(Refusal::Expired) => Resp::html(410, html::message_page(lang, &path, t.title, t.expired)),
        PayOutcome::Refused(Refusal::AlreadyComplete) => {
            Resp::html(409, html::message_page(lang, &path, t.paid_title, t.already_paid))
        }
        PayOutcome::Refused(refusal) => again(400, input_problem(refusal, lang)),
    }
}

/// The sentence for a form the customer filled in wrongly.
fn input_problem(refusal: Refusal, lang: Lang) -> &'static str {
    let t = texts(lang);
    match refusal {
        Refusal::MissingEmail => t.missing_email,
        Refusal::BadEmail => t.bad_email,
        Refusal::MissingCard => t.missing_card,
        _ => t.bad_expiry,
    }
}

fn cancel(shared: &Shared, id: &str, req: &Req, now: Timestamp) -> Resp {
    let cancelled = shared.state().cancel(id, now);
    match cancelled {
        Some(s) => Resp::redirect(&s.cancel_redirect()),
        None => {
            let form = req.form();
            let lang = form.iter().find(|(k, _)| k == "lang").map(|(_, v)| v.as_str());
            not_found_page(Lang::parse(lang.or(req.query("lang"))), &format!("/checkout/{id}"))
        }
    }
}

fn not_found_page(lang: Lang, path: &str) -> Resp {
    let t = texts(lang);
    Resp::html(404, html::message_page(lang, path, t.title, t.not_found))
}

/// `/_sandbox/return/success` and `/_sandbox/return/cancel`: default landing pages.
pub fn return_page(which: &str, req: &Req) -> Resp {
    let lang = Lang::parse(req.query("lang"));
    let t = texts(lang);
    let path = format!("/_sandbox/return/{which}");
    let session = req
        .query("session_id")
        .or(req.query("id"))
        .map(|id| format!(" ({id})"))
        .unwrap_or_default();
    match which {
        "success" => Resp::html(
            200,
            html::message_page(lang, &path, t.paid_title, &format!("{}{session}", t.paid_body)),
        ),
        "cancel" => Resp::html(
            200,
            html::message_page(
                lang,
                &path,
                t.cancelled_title,
                &format!("{}{session}", t.cancelled_body),
            ),
        ),
        _ => not_found_page(lang, &path),
    }
}

/// `GET /`: what this is and where things are.
pub fn index(shared: &Shared) -> Resp {
    let body = format!(
        "<h2>Recur sandbox</h2><p>API: <code>{base}/v1</code> (Authorization: Bearer &lt;secret key&gt;)</p>\
         <p>Hosted page: <code>/checkout/{{id}}</code>. Control API: <code>/_sandbox/…</code> \
         (<a href=\"/_sandbox/deliveries\">deliveries</a>, <a href=\"/_sandbox/events\">events</a>, \
         <a href=\"/_sandbox/sessions\">sessions</a>, <a href=\"/_sandbox/faults\">faults</a>).</p>",
        base = html::esc(&shared.base_url)
    );
    Resp::html(200, format!("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Recur sandbox</title></head><body>{body}</body></html>"))
}
