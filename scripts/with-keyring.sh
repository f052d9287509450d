#!/usr/bin/env bash
# Starts an unlocked GNOME keyring (Secret Service) in the current D-Bus session, then runs the
# given command. Usage: dbus-run-session -- scripts/with-keyring.sh CMD...
# Without a keyring daemon this fails: the tests of the keyring, of `recur-pos keys` and of the
# Settings screen need one, and must not silently skip.
set -euo pipefail
if ! command -v gnome-keyring-daemon >/dev/null 2>&1; then
  echo "with-keyring: gnome-keyring-daemon is missing (scripts/setup.sh installs gnome-keyring)" >&2
  exit 1
fi
export XDG_DATA_HOME="$(mktemp -d)"   # a throwaway keyring; HOME stays (rustup needs it)
eval "$(printf 'test-pass' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
exec "$@"
