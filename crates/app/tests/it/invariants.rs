//! Project invariants, checked as tests so they stay true. They read the repository's files
//! (this crate sits two folders below its root), so they run in the fast lane, without WebKit.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use recur_domain::{AttentionCode, ErrorCode, FailureCode, NoteCode};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn nothing_under_crates_depends_on_tauri() {
    let mut files = Vec::new();
    files_under(&repo().join("crates"), &mut files);
    let this_file = repo().join(file!());
    let offenders: Vec<_> = files
        .iter()
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("rs" | "toml")))
        // This file names what it looks for.
        .filter(|p| p.canonicalize().ok() != this_file.canonicalize().ok())
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            text.lines().any(|l| {
                let l = l.trim_start();
                l.starts_with("tauri") || l.contains("use tauri") || l.contains("tauri::")
            })
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "the domain must stay free of tauri: {offenders:?}"
    );
    assert!(files.len() > 10, "the crates were actually scanned");
}

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = read("README.md");
    let ci = read(".ci/run");
    let test_command = "scripts/test.sh";
    assert!(
        readme.contains(&format!("```sh\n{test_command}\n```")),
        "README shows the test command as its own block"
    );
    assert!(
        readme.contains("```sh\nscripts/run.sh\n```"),
        "README shows the run command as its own block"
    );
    let ci_runs_it = ci
        .lines()
        .map(str::trim)
        .any(|l| !l.starts_with('#') && l.starts_with(test_command));
    assert!(ci_runs_it, ".ci/run runs {test_command}");
}

#[test]
fn every_member_crate_is_a_default_member() {
    let manifest = read("Cargo.toml");
    let list = |key: &str| -> Vec<String> {
        let start = manifest
            .find(&format!("{key} = ["))
            .unwrap_or_else(|| panic!("{key} in Cargo.toml"));
        let body = &manifest[start..];
        let body = &body[body.find('[').unwrap() + 1..body.find(']').unwrap()];
        let mut items: Vec<String> = body
            .lines()
            .map(|l| {
                l.split('#')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .trim_end_matches(',')
                    .trim_matches('"')
                    .to_owned()
            })
            .filter(|l| !l.is_empty())
            .collect();
        items.sort();
        items
    };
    let members = list("members");
    assert_eq!(
        members,
        list("default-members"),
        "a bare cargo test must test every member"
    );
    assert!(members.len() >= 6);
}

fn catalogue(language: &str) -> serde_json::Value {
    serde_json::from_str(&read(&format!("ui/i18n/{language}.json"))).expect("valid JSON")
}

/// Codes without a non-blank sentence under `table` in `language`.
fn untranslated<'a>(language: &str, table: &str, codes: impl Iterator<Item = &'a str>) -> Vec<String> {
    let strings = catalogue(language);
    let sentences = strings
        .get(table)
        .and_then(|t| t.as_object())
        .cloned()
        .unwrap_or_default();
    codes
        .filter(|code| {
            sentences
                .get(*code)
                .and_then(|v| v.as_str())
                .is_none_or(|s| s.trim().is_empty())
        })
        .map(|code| format!("{table}.{code}"))
        .collect()
}

#[test]
fn every_code_a_person_can_see_has_a_sentence_in_both_languages() {
    assert!(ErrorCode::ALL.len() > 30 && AttentionCode::ALL.len() > 5 && FailureCode::ALL.len() > 3);
    for language in ["en", "zh-TW"] {
        let mut missing = untranslated(language, "errors", ErrorCode::ALL.iter().map(|c| c.as_str()));
        missing.extend(untranslated(
            language,
            "attention",
            AttentionCode::ALL.iter().map(|c| c.as_str()),
        ));
        missing.extend(untranslated(
            language,
            "failure",
            FailureCode::ALL.iter().map(|c| c.as_str()),
        ));
        missing.extend(untranslated(language, "note", NoteCode::ALL.iter().map(|c| c.as_str())));
        assert!(missing.is_empty(), "{language} has no sentence for {missing:?}");
    }
}

#[test]
fn both_languages_have_the_same_keys() {
    fn keys(prefix: &str, value: &serde_json::Value, out: &mut BTreeSet<String>) {
        match value.as_object() {
            Some(map) => map.iter().for_each(|(k, v)| keys(&format!("{prefix}{k}."), v, out)),
            None => {
                out.insert(prefix.trim_end_matches('.').to_owned());
            }
        }
    }
    let (mut en, mut zh) = (BTreeSet::new(), BTreeSet::new());
    keys("", &catalogue("en"), &mut en);
    keys("", &catalogue("zh-TW"), &mut zh);
    let only_en: Vec<_> = en.difference(&zh).collect();
    let only_zh: Vec<_> = zh.difference(&en).collect();
    assert!(
        only_en.is_empty() && only_zh.is_empty(),
        "only in en: {only_en:?}; only in zh-TW: {only_zh:?}"
    );
}

/// The quoted words between `start` and the next `end` in `text`.
fn quoted_between(text: &str, start: &str, end: &str) -> BTreeSet<String> {
    let from = text.find(start).unwrap_or_else(|| panic!("{start:?} not found"));
    let body = &text[from + start.len()..];
    let body = &body[..body.find(end).unwrap_or(body.len())];
    body.split('"').skip(1).step_by(2).map(str::to_owned).collect()
}

fn words_matching(text: &str, prefix: &str, until: char) -> BTreeSet<String> {
    text.match_indices(prefix)
        .map(|(i, _)| {
            let rest = &text[i + prefix.len()..];
            rest[..rest.find(until).unwrap_or(rest.len())].to_owned()
        })
        .collect()
}

#[test]
fn the_command_lists_agree() {
    // generate_handler! in lib.rs: `commands::<module>::<name>,`
    let lib = read("src-tauri/src/lib.rs");
    let handler = &lib[lib.find("generate_handler![").expect("generate_handler!")..];
    let handler = &handler[..handler.find(']').unwrap()];
    let registered: BTreeSet<String> = handler
        .split(',')
        .filter_map(|item| item.trim().rsplit("::").next())
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect();
    let built = quoted_between(&read("src-tauri/build.rs"), "const COMMANDS: &[&str] = &[", "];");
    let capabilities = read("src-tauri/capabilities/main.json");
    let allowed: BTreeSet<String> = words_matching(&capabilities, "\"allow-", '"')
        .into_iter()
        .map(|w| w.replace('-', "_"))
        .collect();
    let api = read("ui/js/api.js");
    let called: BTreeSet<String> = words_matching(&api, "call('", '\'');
    assert!(registered.len() > 20, "{registered:?}");
    assert_eq!(registered, built, "lib.rs and build.rs");
    assert_eq!(registered, allowed, "lib.rs and capabilities/main.json");
    assert_eq!(registered, called, "lib.rs and ui/js/api.js");
    let customer = read("src-tauri/capabilities/customer.json");
    assert_eq!(
        words_matching(&customer, "\"allow-", '"'),
        BTreeSet::from(["customer-view".to_owned()]),
        "the customer window may call its own view and nothing else"
    );
    // Tauri hands an event sent to one window to listeners registered in any window: the
    // customer window must not be allowed to listen at all (its view comes on a channel).
    assert!(
        !customer.contains("core:event") && !customer.contains("core:default"),
        "the customer window may not listen to events: {customer}"
    );
}

#[test]
fn the_event_lists_agree() {
    let events = read("src-tauri/src/events.rs");
    let emitted: BTreeSet<String> = events
        .lines()
        .filter(|l| l.trim_start().starts_with("pub const ") && l.contains(": &str = \""))
        .filter(|l| !l.contains("MAIN_WINDOW"))
        .filter_map(|l| l.split('"').nth(1).map(str::to_owned))
        .collect();
    let api = read("ui/js/api.js");
    let from = api.find("export const EVENTS = {").expect("EVENTS in api.js");
    let body = &api[from..];
    let body = &body[..body.find("};").unwrap()];
    // `name: 'event-name',`: the quoted values.
    let listened: BTreeSet<String> = body.split('\'').skip(1).step_by(2).map(str::to_owned).collect();
    assert!(emitted.len() >= 8, "{emitted:?}");
    assert_eq!(emitted, listened, "events.rs and ui/js/api.js");
}

/// The top-level modules a file names through `crate::` (imports and paths), comments aside.
fn crate_modules_used(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut used = BTreeSet::new();
    let word = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            used.extend(group.split(',').map(|item| word(item.trim())).filter(|w| !w.is_empty()));
        } else {
            let name = word(rest);
            // `crate::name::…` is a module; `crate::name(…)` or `crate::Name` is not.
            if rest[name.len()..].starts_with("::") && !name.is_empty() {
                used.insert(name);
            }
        }
    }
    used
}

#[test]
fn no_two_files_of_a_crate_import_each_other() {
    let mut roots: Vec<PathBuf> = std::fs::read_dir(repo().join("crates"))
        .unwrap()
        .flatten()
        .map(|e| e.path().join("src"))
        .collect();
    roots.push(repo().join("src-tauri/src"));
    let mut cycles = Vec::new();
    for root in &roots {
        let mut files = Vec::new();
        files_under(root, &mut files);
        let mut uses: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
        for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "rs")) {
            let top = file.strip_prefix(root).unwrap().components().next().unwrap();
            let top = top.as_os_str().to_string_lossy().trim_end_matches(".rs").to_owned();
            if top == "lib" || top == "main" || top == "bin" {
                continue;
            }
            let text = std::fs::read_to_string(file).unwrap();
            uses.entry(top).or_default().extend(crate_modules_used(&text));
        }
        for (a, used) in &uses {
            for b in used.iter().filter(|b| *b > a) {
                if uses.get(b).is_some_and(|theirs| theirs.contains(a)) {
                    cycles.push(format!("{}: {a} ↔ {b}", root.display()));
                }
            }
        }
    }
    assert!(roots.len() > 8, "every crate was read");
    assert!(
        cycles.is_empty(),
        "modules that import each other (give the shared part a module below both): {cycles:#?}"
    );
    // The check itself can fail: a made-up pair is found.
    let pair = [
        crate_modules_used("use crate::b::X;"),
        crate_modules_used("use crate::{a, c::D};"),
    ];
    assert!(pair[0].contains("b") && pair[1].contains("a") && pair[1].contains("c"));
}
