//! One request in, one answer out: the webhook, the return pages, 404 and 405.
//!
//! Also where a connection's keep-alive ends: its last allowed request is answered with
//! `Connection: close`, and so is one whose body was left unread (hyper would otherwise have to
//! drain it before the next request), and one on a connection told to make room while it was
//! committing.
//!
//! Not here: what a webhook means (see `webhook`), the pages (see `pages`).

use hyper::body::{Body, Incoming};
use hyper::{Method, Request};

use crate::admission::Slot;
use crate::config::ReturnKind;
use crate::context::Context;
use crate::response::{self, closing, Answer};
use crate::{pages, webhook, RETURN_CANCEL_PATH, RETURN_SUCCESS_PATH, WEBHOOK_PATH};

pub(crate) async fn respond(req: Request<Incoming>, ctx: &Context, slot: &Slot) -> Answer {
    let last = slot.next_request() >= ctx.config.max_requests_per_connection;
    let answer = match (req.uri().path(), req.method()) {
        (WEBHOOK_PATH, &Method::POST) => webhook::handle(req, ctx, slot).await,
        (path, method) => {
            let unread_body = !req.body().is_end_stream();
            let answer = match path {
                WEBHOOK_PATH => response::method_not_allowed("POST"),
                RETURN_SUCCESS_PATH | RETURN_CANCEL_PATH if method == Method::GET => {
                    let kind = if path == RETURN_SUCCESS_PATH {
                        ReturnKind::Success
                    } else {
                        ReturnKind::Cancel
                    };
                    pages::serve(kind, req.uri().query(), &ctx.hooks)
                }
                RETURN_SUCCESS_PATH | RETURN_CANCEL_PATH => response::method_not_allowed("GET"),
                _ => response::error(404, "not_found", "no such path"),
            };
            if unread_body {
                closing(answer)
            } else {
                answer
            }
        }
    };
    if last || slot.closing() {
        closing(answer)
    } else {
        answer
    }
}
