#!/usr/bin/env bash
# Runs every test of Recur POS, in two lanes. Installs what is missing first (scripts/setup.sh).
#
#   scripts/test.sh          both lanes: fast, then WebKit
#   scripts/test.sh fast     fmt, clippy -D warnings, and every crate's tests but the app's
#                            (unit, integration over loopback: real sandbox, SQLite, keyring)
#   scripts/test.sh webkit   the app in a real WebKit window under Xvfb (tauri-driver)
#   scripts/test.sh package  build the .deb, install it with apt, start the installed app
#                            (scripts/test-package.sh; not in the default run: ~15 min cold)
#
# Both lanes run inside one D-Bus session with an unlocked throwaway keyring (the Secret
# Service the app and the CLI store keys in); a missing keyring daemon fails the run.
# Both lanes also get a throwaway PostgreSQL (scripts/pg.sh) for the shared ledger's tests:
# RECUR_POS_TEST_PG is its URL, RECUR_POS_TEST_PG_RESTART the command that restarts it.
set -euo pipefail
cd "$(dirname "$0")/.."

lane="${1:-all}"
case "$lane" in
  all|fast|webkit) ;;
  package) exec scripts/test-package.sh ;;
  *) echo "usage: scripts/test.sh [fast|webkit|package]" >&2; exit 2 ;;
esac

scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/recur-pos/target}"
export PATH="${RECUR_POS_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/recur-pos/tools}/bin:$PATH"
export RECUR_POS_ARTIFACTS="${RECUR_POS_ARTIFACTS:-$PWD/test-artifacts}"
mkdir -p "$RECUR_POS_ARTIFACTS"

timed() {
  local name="$1"; shift
  local start=$SECONDS
  echo "== $name" >&2
  "$@"
  echo "== $name: $((SECONDS - start)) s" >&2
}

# The cluster is left running when the run ends: the next run reuses it (start is idempotent,
# recovers one left by a crash, and restarts one whose settings an older pg.sh wrote), so a
# repeat run does not pay for initdb, and a failed run leaves the server and its log to look at
# (server.log in RECUR_POS_PG_DIR, /tmp/recur-pos-pg by default). `scripts/pg.sh stop` stops
# it. A test makes a database of its own and drops it: nothing else in the cluster is the
# tests' to rely on.
timed "PostgreSQL" scripts/pg.sh start
eval "$(scripts/pg.sh env)"

if [ "$lane" = all ] || [ "$lane" = fast ]; then
  timed "fmt" cargo fmt --all --check
  timed "clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
  timed "fast lane tests" dbus-run-session -- scripts/with-keyring.sh \
    cargo test --workspace --exclude recur-pos --locked --no-fail-fast
fi
if [ "$lane" = all ] || [ "$lane" = webkit ]; then
  # The window's tests drive the fake tunnel and the sandbox binaries: build the workspace.
  timed "workspace build" cargo build --workspace --bins --locked
  timed "WebKit lane tests" dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
    scripts/with-keyring.sh cargo test -p recur-pos --locked --no-fail-fast
fi
