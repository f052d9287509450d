//! Project invariants, checked as tests so they stay true.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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
    let offenders: Vec<_> = files
        .iter()
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("rs" | "toml")))
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
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let ci = std::fs::read_to_string(repo().join(".ci/run")).expect(".ci/run");
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
    let manifest = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
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
