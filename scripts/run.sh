#!/usr/bin/env bash
# Builds and opens the Recur POS counter window. With no Recur secret key configured it runs
# against the embedded sandbox, fully offline. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/recur-pos/target}"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run: no display found; starting the window on a virtual display (Xvfb)" >&2
  exec xvfb-run -a -s "-screen 0 1280x800x24" cargo run --release --locked -p recur-pos --bin recur-pos -- "$@"
fi
exec cargo run --release --locked -p recur-pos --bin recur-pos -- "$@"
