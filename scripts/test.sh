#!/usr/bin/env bash
# Runs every test of Recur POS: unit, integration (real sandbox, real SQLite, real HTTP over
# loopback) and the end-to-end tests that drive the real app in a WebKit window under Xvfb.
# Installs what is missing first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/recur-pos/target}"
export PATH="${RECUR_POS_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/recur-pos/tools}/bin:$PATH"
export RECUR_POS_ARTIFACTS="${RECUR_POS_ARTIFACTS:-$PWD/test-artifacts}"
mkdir -p "$RECUR_POS_ARTIFACTS"

# One D-Bus session for the whole run (WebKit and the Secret Service need it), a virtual
# display for the window, and an unlocked keyring inside that session.
exec dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
  scripts/with-keyring.sh cargo test --workspace --locked --no-fail-fast "$@"
