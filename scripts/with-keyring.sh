#!/usr/bin/env bash
# Starts an unlocked GNOME keyring (Secret Service) in the current D-Bus session, then runs the
# given command. Usage: dbus-run-session -- scripts/with-keyring.sh CMD...
set -euo pipefail
export XDG_DATA_HOME="$(mktemp -d)"   # a throwaway keyring; HOME stays (rustup needs it)
if command -v gnome-keyring-daemon >/dev/null 2>&1; then
  eval "$(printf 'test-pass' | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
fi
exec "$@"
