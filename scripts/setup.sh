#!/usr/bin/env bash
# Installs what building, running and testing Recur POS needs on a fresh Debian 12 machine.
# Idempotent: a package already installed is not fetched again, so a repeat run takes seconds.
# Usage: scripts/setup.sh            (run as root, or with sudo available)
set -euo pipefail

BUILD_PKGS=(build-essential pkg-config file curl libwebkit2gtk-4.1-dev libssl-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev
  # Serial receipt printers: the escpos crate's serial driver (serialport) links libudev.
  libudev-dev)
RUN_PKGS=(xvfb xauth imagemagick x11-apps webkit2gtk-driver dbus dbus-x11 gnome-keyring
  libsecret-tools at-spi2-core keyutils xdotool fonts-noto-cjk)
# The benchmarks' peers: sqlite3 dumps the same table beside `recur-pos export`.
BENCH_PKGS=(sqlite3)
# The shared ledger's tests run counters and a headless hub against a real PostgreSQL, a
# throwaway cluster that scripts/pg.sh makes. Debian 12's postgresql-15 (pulled in by
# `postgresql`) ships the contrib extensions itself, pg_trgm among them; postgresql-contrib is
# only a name for it. openssl makes the throwaway cluster's TLS certificates.
DB_PKGS=(postgresql openssl)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
ALL_PKGS=("${BUILD_PKGS[@]}" "${RUN_PKGS[@]}" "${BENCH_PKGS[@]}" "${DB_PKGS[@]}")
for pkg in "${ALL_PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${#missing[@]} missing packages: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "setup: all system packages present" >&2
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo is missing; install Rust with rustup (https://rustup.rs) and re-run" >&2
  exit 1
fi

# tauri-driver drives the real app in WebKit for the end-to-end tests.
TOOLS_DIR="${RECUR_POS_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/recur-pos/tools}"
if [ ! -x "$TOOLS_DIR/bin/tauri-driver" ]; then
  echo "setup: installing tauri-driver into $TOOLS_DIR" >&2
  cargo install tauri-driver --locked --root "$TOOLS_DIR" >&2
fi

# cargo-fuzz is installed by scripts/fuzz.sh when first run: no test needs it, so CI does not
# spend a build on it.
