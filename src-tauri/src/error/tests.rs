//! Every code that can reach the UI has a sentence in both languages.

use std::time::Duration;

use recur_client::RecurError;
use recur_ledger::LedgerError;
use recur_pos_core::PosError;
use recur_secrets::SecretsError;

use super::codes;

/// One error of every kind the core can return. The `match`es make adding a variant to the
/// core a compile error here until it is listed (and so translated).
fn every_recur_error() -> Vec<RecurError> {
    let all = vec![
        RecurError::Unauthorized { message: String::new() },
        RecurError::Forbidden { message: String::new() },
        RecurError::NotFound { message: String::new() },
        RecurError::InvalidRequest {
            field: None,
            message: String::new(),
        },
        RecurError::Conflict { message: String::new() },
        RecurError::RateLimited {
            retry_after: Some(Duration::from_secs(1)),
        },
        RecurError::Server {
            status: 500,
            message: String::new(),
        },
        RecurError::Timeout,
        RecurError::Network {
            message: String::new(),
            connect: true,
        },
        RecurError::Undecodable { message: String::new() },
        RecurError::PublishableKey,
        RecurError::Config { message: String::new() },
    ];
    for e in &all {
        match e {
            RecurError::Unauthorized { .. }
            | RecurError::Forbidden { .. }
            | RecurError::NotFound { .. }
            | RecurError::InvalidRequest { .. }
            | RecurError::Conflict { .. }
            | RecurError::RateLimited { .. }
            | RecurError::Server { .. }
            | RecurError::Timeout
            | RecurError::Network { .. }
            | RecurError::Undecodable { .. }
            | RecurError::PublishableKey
            | RecurError::Config { .. } => {}
        }
    }
    all
}

fn every_pos_error() -> Vec<PosError> {
    let mut all: Vec<PosError> = every_recur_error().into_iter().map(PosError::Recur).collect();
    all.extend([
        PosError::Ledger(LedgerError::Corrupt(String::new())),
        PosError::ProductNotFound(String::new()),
        PosError::ProductInactive { product: String::new() },
        PosError::ModeNotAllowed {
            mode: String::new(),
            product_type: String::new(),
        },
        PosError::SaleNotFound(String::new()),
        PosError::InvalidInput(String::new()),
        PosError::NoReturnUrl,
        PosError::Sandbox(String::new()),
        PosError::WaitTimedOut(String::new()),
        PosError::NoWebhookSecret,
        PosError::Listener(String::new()),
        PosError::SelfTest(String::new()),
    ]);
    for e in &all {
        match e {
            PosError::Recur(_)
            | PosError::CreateFailed { .. }
            | PosError::Ledger(_)
            | PosError::ProductNotFound(_)
            | PosError::ProductInactive { .. }
            | PosError::ModeNotAllowed { .. }
            | PosError::SaleNotFound(_)
            | PosError::InvalidInput(_)
            | PosError::NoReturnUrl
            | PosError::Sandbox(_)
            | PosError::WaitTimedOut(_)
            | PosError::NoWebhookSecret
            | PosError::Listener(_)
            | PosError::SelfTest(_) => {}
        }
    }
    all
}

/// Every code the UI can receive.
fn every_code() -> Vec<String> {
    let mut all: Vec<String> = every_pos_error().iter().map(PosError::code).collect();
    all.extend(SecretsError::CODES.iter().map(|c| c.to_string()));
    all.extend(codes::ALL.iter().map(|c| c.to_string()));
    all.sort();
    all.dedup();
    all
}

fn catalogue(language: &str) -> serde_json::Value {
    let path = format!("{}/ui/i18n/{language}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_error_code_has_an_english_and_a_chinese_sentence() {
    let codes = every_code();
    assert!(codes.len() > 20, "the list is really collected: {codes:?}");
    for language in ["en", "zh-TW"] {
        let strings = catalogue(language);
        let errors = strings
            .get("errors")
            .and_then(|e| e.as_object())
            .expect("an errors table");
        let missing: Vec<&String> = codes
            .iter()
            .filter(|code| {
                errors
                    .get(code.as_str())
                    .and_then(|v| v.as_str())
                    .is_none_or(|s| s.trim().is_empty())
            })
            .collect();
        assert!(missing.is_empty(), "{language} has no sentence for {missing:?}");
    }
}

#[test]
fn both_languages_have_the_same_keys() {
    fn keys(prefix: &str, value: &serde_json::Value, out: &mut Vec<String>) {
        match value.as_object() {
            Some(map) => map.iter().for_each(|(k, v)| keys(&format!("{prefix}{k}."), v, out)),
            None => out.push(prefix.trim_end_matches('.').to_owned()),
        }
    }
    let (mut en, mut zh) = (Vec::new(), Vec::new());
    keys("", &catalogue("en"), &mut en);
    keys("", &catalogue("zh-TW"), &mut zh);
    en.sort();
    zh.sort();
    let only_en: Vec<_> = en.iter().filter(|k| !zh.contains(k)).collect();
    let only_zh: Vec<_> = zh.iter().filter(|k| !en.contains(k)).collect();
    assert!(
        only_en.is_empty() && only_zh.is_empty(),
        "only in en: {only_en:?}; only in zh-TW: {only_zh:?}"
    );
}

#[test]
fn a_failed_create_names_its_sale() {
    let error = PosError::Recur(RecurError::Timeout);
    assert_eq!(super::CommandError::from(error).sale_id, None);
}
