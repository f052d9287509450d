use super::*;

fn err(code: &str, message: &str) -> String {
    format!(r#"{{"error":{{"code":"{code}","message":"{message}"}}}}"#)
}

#[test]
fn classifies_by_status_then_code() {
    let field_err = r#"{"error":{"code":"invalid_request","message":"successUrl must be https",
        "details":[{"field":"successUrl","message":"must be https"}]}}"#;
    let cases: Vec<(u16, Option<&str>, String, RecurError)> = vec![
        (
            400,
            None,
            field_err.into(),
            RecurError::InvalidRequest {
                field: Some("successUrl".into()),
                message: "successUrl must be https".into(),
            },
        ),
        (
            422,
            None,
            r#"{"error":{"code":"bad_request","message":"bad","param":"cancel_url"}}"#.into(),
            RecurError::InvalidRequest {
                field: Some("cancel_url".into()),
                message: "bad".into(),
            },
        ),
        (
            400,
            None,
            r#"{"error":{"code":"bad_request","message":"bad","field":"productId"}}"#.into(),
            RecurError::InvalidRequest {
                field: Some("productId".into()),
                message: "bad".into(),
            },
        ),
        (
            401,
            None,
            err("unauthorized", "bad key"),
            RecurError::Unauthorized {
                message: "bad key".into(),
            },
        ),
        (
            403,
            None,
            err("forbidden", "pk"),
            RecurError::Forbidden { message: "pk".into() },
        ),
        (
            404,
            None,
            err("resource_not_found", "no"),
            RecurError::NotFound { message: "no".into() },
        ),
        (
            409,
            None,
            err("conflict", "dup"),
            RecurError::Conflict { message: "dup".into() },
        ),
        (
            429,
            Some("3"),
            String::new(),
            RecurError::RateLimited {
                retry_after: Some(Duration::from_secs(3)),
            },
        ),
        (
            429,
            Some("soon"),
            String::new(),
            RecurError::RateLimited { retry_after: None },
        ),
        (429, None, String::new(), RecurError::RateLimited { retry_after: None }),
        (
            500,
            None,
            err("internal_error", "boom"),
            RecurError::Server {
                status: 500,
                message: "boom".into(),
            },
        ),
        (
            503,
            None,
            "<html>down</html>".into(),
            RecurError::Server {
                status: 503,
                message: "HTTP 503: <html>down</html>".into(),
            },
        ),
        (
            502,
            None,
            String::new(),
            RecurError::Server {
                status: 502,
                message: "HTTP 502".into(),
            },
        ),
        // Status first: a 404 stays NotFound whatever the code says.
        (
            404,
            None,
            err("invalid_request", "x"),
            RecurError::NotFound { message: "x".into() },
        ),
        (
            401,
            None,
            err("forbidden", "x"),
            RecurError::Unauthorized { message: "x".into() },
        ),
        // Statuses the contract does not name: the code decides, else InvalidRequest.
        (
            410,
            None,
            err("not_found", "gone"),
            RecurError::NotFound { message: "gone".into() },
        ),
        (
            405,
            None,
            err("method_not_allowed", "m"),
            RecurError::InvalidRequest {
                field: None,
                message: "m".into(),
            },
        ),
        (
            402,
            None,
            err("conflict", "c"),
            RecurError::Conflict { message: "c".into() },
        ),
        (
            418,
            Some("2"),
            err("rate_limited", "slow"),
            RecurError::RateLimited {
                retry_after: Some(Duration::from_secs(2)),
            },
        ),
        (
            302,
            None,
            String::new(),
            RecurError::Undecodable {
                message: "unexpected HTTP 302: HTTP 302".into(),
            },
        ),
    ];
    for (status, retry_after, body, expected) in cases {
        let got = classify_response(status, retry_after, body.as_bytes());
        assert_eq!(got, expected, "status {status} body {body}");
    }
}

#[test]
fn top_level_error_shapes_are_read() {
    let got = classify_response(400, None, br#"{"error":"productId is required"}"#);
    assert_eq!(
        got,
        RecurError::InvalidRequest {
            field: None,
            message: "productId is required".into()
        }
    );
    let got = classify_response(400, None, br#"{"code":"invalid_request","message":"m","field":"mode"}"#);
    assert_eq!(
        got,
        RecurError::InvalidRequest {
            field: Some("mode".into()),
            message: "m".into()
        }
    );
}

#[test]
fn fallback_message_is_short_and_printable() {
    let body = format!("{}\u{7}", "x".repeat(500));
    let RecurError::Server { message, .. } = classify_response(500, None, body.as_bytes()) else {
        panic!("not a server error");
    };
    assert_eq!(message, format!("HTTP 500: {}", "x".repeat(200)));
}

#[test]
fn retry_after_seconds() {
    let cases = [
        ("1", Some(Duration::from_secs(1))),
        (" 120 ", Some(Duration::from_secs(120))),
        ("0.5", Some(Duration::from_millis(500))),
        ("-1", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", None),
        ("", None),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_retry_after(text), expected, "{text:?}");
    }
}

#[test]
fn codes_are_stable_and_retryability_is_by_kind() {
    let cases: Vec<(RecurError, &str, bool)> = vec![
        (
            RecurError::Unauthorized { message: String::new() },
            "unauthorized",
            false,
        ),
        (RecurError::Forbidden { message: String::new() }, "forbidden", false),
        (RecurError::NotFound { message: String::new() }, "not_found", false),
        (
            RecurError::InvalidRequest {
                field: None,
                message: String::new(),
            },
            "invalid_request",
            false,
        ),
        (RecurError::Conflict { message: String::new() }, "conflict", false),
        (RecurError::RateLimited { retry_after: None }, "rate_limited", true),
        (
            RecurError::Server {
                status: 500,
                message: String::new(),
            },
            "server",
            true,
        ),
        (RecurError::Timeout, "timeout", true),
        (
            RecurError::Network {
                message: String::new(),
                connect: false,
            },
            "network",
            true,
        ),
        (RecurError::Undecodable { message: String::new() }, "undecodable", false),
        (RecurError::PublishableKey, "publishable_key", false),
        (RecurError::Config { message: String::new() }, "config", false),
    ];
    for (error, code, retryable) in cases {
        assert_eq!(error.code(), code);
        assert_eq!(error.is_retryable(), retryable, "{code}");
    }
}

#[test]
fn messages_name_the_field_and_explain_publishable_keys() {
    let e = RecurError::InvalidRequest {
        field: Some("successUrl".into()),
        message: "must be https".into(),
    };
    assert_eq!(
        e.to_string(),
        "Recur rejected the request (field successUrl): must be https"
    );
    assert_eq!(e.field(), Some("successUrl"));
    let pk = RecurError::PublishableKey.to_string();
    assert!(pk.contains("metadata") && pk.contains("secret key"), "{pk}");
}
