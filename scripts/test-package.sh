#!/usr/bin/env bash
# Builds the .deb (scripts/package.sh), installs it on this machine with apt, and checks the
# installed app: its files, `recur-pos-cli --version`, and the window coming up on the embedded
# sandbox under Xvfb on a fresh data folder (a screenshot is kept in test-artifacts/package/).
# Run as root (or with sudo). Not part of `scripts/test.sh` (a release build and the Tauri CLI
# cost ~15 minutes cold): `scripts/test.sh package` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
fail() { echo "test-package: FAILED: $*" >&2; exit 1; }

deb=$(scripts/package.sh)
[ -f "$deb" ] || fail "no package at $deb"
echo "test-package: installing $deb ($(du -h "$deb" | cut -f1))" >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --reinstall "$deb" >&2

files=$(dpkg -L recur-pos)
for want in /usr/bin/recur-pos /usr/bin/recur-pos-cli /usr/share/applications/ /usr/share/icons/; do
  grep -q "^$want" <<<"$files" || fail "the package has no $want"
done
desktop=$(grep '\.desktop$' <<<"$files" | head -1)
grep -q '^Name\[zh_TW\]=' "$desktop" || fail "$desktop has no zh-TW name"
grep -q '^Exec=recur-pos' "$desktop" || fail "$desktop does not start recur-pos"
depends=$(dpkg-query -W -f='${Depends}' recur-pos)
for want in libwebkit2gtk-4.1-0 libgtk-3-0 fonts-noto-cjk gnome-keyring; do
  grep -q "$want" <<<"$depends" || fail "the package does not depend on $want ($depends)"
done
if ldd /usr/bin/recur-pos-cli | grep -Eq 'webkit|gtk'; then fail "recur-pos-cli links WebKit or GTK"; fi

version=$(/usr/bin/recur-pos-cli --version) || fail "recur-pos-cli --version"
expected=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
grep -q "$expected" <<<"$version" || fail "recur-pos-cli --version says '$version', not $expected"
echo "test-package: $version" >&2

# The installed window, on a fresh data folder and no key: the embedded sandbox.
out="${RECUR_POS_ARTIFACTS:-$PWD/test-artifacts}/package"
mkdir -p "$out"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
cat >"$home/run.sh" <<'INNER'
#!/usr/bin/env bash
set -u
log="$HOME/app.log"
env -u RECUR_SECRET_KEY -u RECUR_POS_DB -u RECUR_API_BASE RECUR_POS_LOG=info /usr/bin/recur-pos >"$log" 2>&1 &
app=$!
for _ in $(seq 1 120); do
  if xdotool search --onlyvisible --name 'Recur POS' >/dev/null 2>&1 && grep -q 'counter open.*embedded_sandbox=true' "$log"; then
    # The embedded sandbox writes the sandbox's own ledger; a live key would write ledger.db.
    ls "$XDG_DATA_HOME/recur-pos/ledger-sandbox.db" >/dev/null || { echo "no sandbox ledger in the fresh data folder"; exit 1; }
    if [ -e "$XDG_DATA_HOME/recur-pos/ledger.db" ]; then echo "the sandbox wrote the live ledger's file"; exit 1; fi
    sleep 4   # let the first screen paint
    import -window root "$OUT/installed-app.png"
    kill "$app"; wait "$app" 2>/dev/null
    exit 0
  fi
  kill -0 "$app" 2>/dev/null || { echo "the app exited:"; cat "$log"; exit 1; }
  sleep 0.5
done
echo "no window on the embedded sandbox within 60 s:"; cat "$log"; kill "$app"; exit 1
INNER
chmod +x "$home/run.sh"
# with-keyring.sh gives the session a throwaway XDG_DATA_HOME: the app's data folder is fresh.
HOME="$home" XDG_CONFIG_HOME="$home/config" OUT="$out" \
  dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" scripts/with-keyring.sh "$home/run.sh" \
  || fail "the installed app did not come up"
echo "test-package: ok — the installed window came up on the embedded sandbox; screenshot $out/installed-app.png" >&2
