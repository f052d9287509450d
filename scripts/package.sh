#!/usr/bin/env bash
# Builds the Linux package of Recur POS: a .deb made by Tauri's bundler, with the headless
# `recur-pos-cli` beside the app. Installs the Tauri CLI (pinned to the project's Tauri minor)
# into the tools folder when it is missing. Prints the package's path at the end.
#
#   scripts/package.sh            → $CARGO_TARGET_DIR/release/bundle/deb/recur-pos_<version>_amd64.deb
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/recur-pos/target}"
TOOLS_DIR="${RECUR_POS_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/recur-pos/tools}"
export PATH="$TOOLS_DIR/bin:$PATH"

# The bundler must come from the same Tauri line as the app (tauri 2.12 ↔ tauri-cli 2.12).
TAURI_CLI_VERSION=2.12.4
if ! cargo tauri --version 2>/dev/null | grep -qx "tauri-cli $TAURI_CLI_VERSION"; then
  echo "package: installing tauri-cli $TAURI_CLI_VERSION into $TOOLS_DIR" >&2
  cargo install tauri-cli --version "$TAURI_CLI_VERSION" --locked --root "$TOOLS_DIR" >&2
fi

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
cargo build --release --locked -p recur-pos-cli >&2
cli="$CARGO_TARGET_DIR/release/recur-pos-cli"
# The CLI's place in the package is given here, not in tauri.conf.json: its path depends on
# CARGO_TARGET_DIR.
extra=$(printf '{"bundle":{"linux":{"deb":{"files":{"/usr/bin/recur-pos-cli":"%s"}}}}}' "$cli")
cargo tauri build --bundles deb --config "$extra" >&2

deb="$CARGO_TARGET_DIR/release/bundle/deb/Recur POS_${version}_amd64.deb"
[ -f "$deb" ] || deb=$(ls -t "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb | head -1)
# A name without spaces, as the issue and apt like it.
final="$CARGO_TARGET_DIR/release/bundle/deb/recur-pos_${version}_amd64.deb"
[ "$deb" = "$final" ] || cp -f "$deb" "$final"
echo "package: $(du -h "$final" | cut -f1) $final" >&2
echo "$final"
