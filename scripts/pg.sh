#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests of the shared ledger (counters and a headless hub
# on one database). Not for real shops: the data lives under /tmp, and nothing here backs it up.
#
#   scripts/pg.sh start     initialise (first time), start, wait until it accepts connections,
#                           make sure the role and the database exist; a no-op when running
#   scripts/pg.sh stop      fast shutdown; no error when it is not running
#   scripts/pg.sh restart   fast restart (sessions are cut), waits until it accepts connections
#   scripts/pg.sh status    exit 0 when running, 3 when not
#   scripts/pg.sh url       postgres://recur:recur@127.0.0.1:PORT/recur
#   scripts/pg.sh env       `export` lines for eval: RECUR_POS_TEST_PG, RECUR_POS_TEST_PG_RESTART,
#                           and with RECUR_POS_PG_TLS=1 RECUR_POS_TEST_PG_CA (the CA that signed
#                           the server's TLS certificate)
#
# Settings: RECUR_POS_PG_TLS (1: serve TLS too, see below), RECUR_POS_PG_DIR (data directory,
# default /tmp/recur-pos-pg; outside the clone so a
# `git clean` never meets a live cluster), RECUR_POS_PG_PORT (default 55432: clear of a Debian
# cluster on 5432, which this script never touches).
#
# The cluster listens on 127.0.0.1 only; TCP needs the password (scram-sha-256). Its Unix socket
# sits in the data directory (mode 0700), where only its owner and root can reach it; the script
# itself administers the cluster through that socket. The role `recur` (password `recur`) is a
# superuser that may create databases: the tests make one database per test and drop it.
#
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` system user
# (created by Debian's package, see scripts/setup.sh); otherwise it belongs to the caller.
# Only diagnostics are printed, on stderr; `url` and `env` print their answer on stdout.
set -euo pipefail

SCRIPT="$(realpath "$0")"
PORT="${RECUR_POS_PG_PORT:-55432}"
DIR="$(realpath -m "${RECUR_POS_PG_DIR:-/tmp/recur-pos-pg}")"
LOG="$DIR/server.log"
URL="postgres://recur:recur@127.0.0.1:$PORT/recur"
READY_SECONDS=60
# RECUR_POS_PG_TLS=1: the cluster also serves TLS, with a certificate its own CA signed (the
# TLS test runs one such cluster of its own; the shared one stays plain, so a test's client
# that does not know that CA is not refused by it).
TLS="${RECUR_POS_PG_TLS:-0}"

say() { echo "pg.sh: $*" >&2; }
die() { say "$*"; exit 1; }

case "$PORT" in
  ''|*[!0-9]*) die "RECUR_POS_PG_PORT must be a port number, not '$PORT'" ;;
esac
# The directory goes into postgresql.conf as a quoted, comma-separated list.
case "$DIR" in
  *\'*|*,*|*' '*) die "RECUR_POS_PG_DIR must not hold quotes, commas or spaces: '$DIR'" ;;
esac

# Answers that need no cluster come first: they must work before anything is installed.
case "${1:-}" in
  url) echo "$URL"; exit 0 ;;
  env)
    # The directory and the port go along so the restart command a test runs reaches this
    # cluster even if the test's environment differs from the caller's.
    printf 'export RECUR_POS_PG_DIR=%q\n' "$DIR"
    printf 'export RECUR_POS_PG_PORT=%q\n' "$PORT"
    printf 'export RECUR_POS_TEST_PG=%q\n' "$URL"
    if [ "$TLS" = 1 ]; then printf 'export RECUR_POS_TEST_PG_CA=%q\n' "$DIR/tls/ca.crt"; fi
    quoted="${SCRIPT//\'/\'\\\'\'}"
    printf "export RECUR_POS_TEST_PG_RESTART='%s restart'\n" "$quoted"
    exit 0 ;;
  start|stop|restart|status) ;;
  *) echo "usage: scripts/pg.sh start|stop|restart|status|url|env" >&2; exit 2 ;;
esac
cmd="$1"

# A caller's PGHOST, PGPASSWORD, PGOPTIONS, PGDATA... must not redirect or alter what this
# script does to its own cluster.
while read -r var; do unset "$var"; done < <(compgen -e | grep '^PG' || true)
# As root, the commands run as postgres, which may not enter the caller's directory.
cd /

# The server binaries by absolute path: PATH may hold other builds (this machine has symlinks in
# /usr/local/bin), and Debian keeps them out of PATH anyway. An existing cluster needs the major
# version it was made with; a new one gets the newest installed.
bin_for() {
  local v="$1"
  [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ] && echo "/usr/lib/postgresql/$v/bin"
}
if [ -f "$DIR/PG_VERSION" ]; then
  ver="$(cat "$DIR/PG_VERSION")"
  BIN="$(bin_for "$ver")" || die "$DIR was made by PostgreSQL $ver, which is not installed:" \
    "remove it (scripts/pg.sh stop; rm -rf $DIR) and start again"
else
  ver="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null \
    | sort -V | while read -r v; do bin_for "$v" >/dev/null && echo "$v"; done | tail -n 1)"
  [ -n "$ver" ] || die "no PostgreSQL server under /usr/lib/postgresql: run scripts/setup.sh" \
    "(it installs Debian's postgresql package)"
  BIN="/usr/lib/postgresql/$ver/bin"
fi

if [ "$(id -u)" -eq 0 ]; then
  OWNER=postgres
  id -u postgres >/dev/null 2>&1 \
    || die "no postgres system user: run scripts/setup.sh (Debian's postgresql package makes it)"
  as_owner() { runuser -u postgres -- "$@" 9>&-; }
else
  OWNER="$(id -un)"
  as_owner() { "$@" 9>&-; }
fi

# A Unix socket's path is at most 107 bytes.
if [ "$(printf '%s' "$DIR/.s.PGSQL.$PORT" | wc -c)" -gt 107 ]; then
  die "the socket path $DIR/.s.PGSQL.$PORT is too long for a Unix socket: set a shorter" \
    "RECUR_POS_PG_DIR"
fi

# One caller at a time changes the cluster (two test runs starting it at once, a test restarting
# it while another run starts it). Every command run as the owner gets fd 9 closed (as_owner):
# a postmaster that inherited it would hold the lock for as long as it runs.
mkdir -p "$(dirname "$DIR")"
exec 9>>"$DIR.lock" || die "cannot open the lock file $DIR.lock: remove it or set RECUR_POS_PG_DIR"
flock -w 120 9 || die "another scripts/pg.sh has held $DIR.lock for 2 minutes"

psql_admin() {
  # SQL on stdin, through the socket, as the bootstrap superuser: works whatever a test did to
  # the role recur.
  as_owner "$BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres \
    -d postgres
}

log_tail() {
  if [ -f "$LOG" ]; then
    say "last lines of $LOG:"
    tail -n 30 "$LOG" >&2 || true
  fi
}

# The pids of the processes of this cluster: every PostgreSQL process works in its data
# directory. Backends outlive a postmaster killed with SIGKILL until they notice it is gone.
cluster_pids() {
  find /proc/[0-9]*/cwd -maxdepth 0 -lname "$DIR" -printf '%h\n' 2>/dev/null | sed 's|^/proc/||'
  return 0
}

# Running means postmaster.pid names a live process working in this data directory; a pid file
# left by a crash, or naming a pid since reused by another program, does not count.
running() {
  local pid
  [ -f "$DIR/postmaster.pid" ] || return 1
  pid="$(head -n 1 "$DIR/postmaster.pid" 2>/dev/null)" || return 1
  case "$pid" in ''|*[!0-9]*) return 1 ;; esac
  [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$DIR" ]
}

# Waits up to $1 tenths of a second for this cluster's processes to be gone.
wait_gone() {
  local n="$1"
  while [ -n "$(cluster_pids)" ]; do
    [ "$n" -gt 0 ] || return 1
    n=$((n - 1))
    sleep 0.1
  done
}

# After a crash (the postmaster killed): let the orphaned backends exit, end those that do not,
# and drop lock files whose pid now belongs to another program (PostgreSQL would refuse to start
# over them). PostgreSQL itself replays its WAL on the next start.
recover_stale() {
  local f pid
  if [ -n "$(cluster_pids)" ]; then
    say "ending processes left over from a crashed server: $(cluster_pids | tr '\n' ' ')"
    wait_gone 30 || { cluster_pids | xargs -r kill -KILL 2>/dev/null || true; }
    wait_gone 50 || die "processes of the old server are still alive:" \
      "$(cluster_pids | tr '\n' ' ')"
  fi
  for f in "$DIR/postmaster.pid" "$DIR/.s.PGSQL.$PORT.lock"; do
    [ -f "$f" ] || continue
    pid="$(head -n 1 "$f" 2>/dev/null || true)"
    case "$pid" in ''|*[!0-9]*) continue ;; esac
    if kill -0 "$pid" 2>/dev/null || [ -d "/proc/$pid" ]; then
      # A pid reused by another program, or the killed postmaster as a zombie not yet reaped.
      say "removing the stale $f (pid $pid is not this server)"
      rm -f "$f"
    fi
  done
}

# The settings this script owns. fsync stays on and synchronous_commit at its default: the shared
# ledger's tests count on a committed write surviving a crash. max_connections: two counters, the
# hub and their pools, plus the tests' own sessions.
wanted_conf() {
  cat <<EOF
# Written by scripts/pg.sh on every start; edits here are lost.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
max_connections = 200
shared_buffers = 64MB
fsync = on
password_encryption = scram-sha-256
EOF
  if [ "$TLS" = 1 ]; then
    cat <<EOF
ssl = on
ssl_cert_file = '$DIR/tls/server.crt'
ssl_key_file = '$DIR/tls/server.key'
EOF
  fi
}

# TLS for the tests of `sslmode=require`: a CA of the cluster's own and a certificate for
# 127.0.0.1 it signed (rustls, like any verifying client, refuses a self-signed end certificate).
# Made once per cluster; the CA's key is thrown away.
ensure_certs() {
  [ "$TLS" = 1 ] || return 0
  [ -f "$DIR/tls/server.crt" ] && [ -f "$DIR/tls/ca.crt" ] && return 0
  command -v openssl >/dev/null || die "openssl is missing: run scripts/setup.sh"
  local tmp
  tmp="$(mktemp -d)"
  openssl req -new -x509 -days 3650 -nodes -subj "/CN=recur-pos test CA" \
    -keyout "$tmp/ca.key" -out "$tmp/ca.crt" >/dev/null 2>&1 || die "openssl could not make a CA"
  openssl req -new -nodes -subj "/CN=127.0.0.1" -keyout "$tmp/server.key" -out "$tmp/server.csr" \
    >/dev/null 2>&1 || die "openssl could not make a key"
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' \
    >"$tmp/ext"
  openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
    -days 3650 -extfile "$tmp/ext" -out "$tmp/server.crt" >/dev/null 2>&1 \
    || die "openssl could not sign the server's certificate"
  mkdir -p "$DIR/tls"
  cp "$tmp/ca.crt" "$tmp/server.crt" "$tmp/server.key" "$DIR/tls/"
  rm -rf "$tmp"
  chmod 0700 "$DIR/tls"
  chmod 0600 "$DIR/tls/server.key"
  chmod 0644 "$DIR/tls/ca.crt" "$DIR/tls/server.crt"
  [ "$OWNER" = "$(id -un)" ] || chown -R "$OWNER:" "$DIR/tls"
}
wanted_hba() {
  cat <<'EOF'
# Written by scripts/pg.sh on every start; edits here are lost.
# The socket is in the data directory (mode 0700): only its owner and root get there.
local all all trust
host  all all 127.0.0.1/32 scram-sha-256
EOF
}

# Writes the settings; says (exit 0) whether they changed.
write_conf() {
  local changed=1
  if [ "$(as_owner cat "$DIR/recur-pos.conf" 2>/dev/null || true)" != "$(wanted_conf)" ]; then
    wanted_conf | as_owner tee "$DIR/recur-pos.conf" >/dev/null
    changed=0
  fi
  if [ "$(as_owner cat "$DIR/pg_hba.conf" 2>/dev/null || true)" != "$(wanted_hba)" ]; then
    wanted_hba | as_owner tee "$DIR/pg_hba.conf" >/dev/null
    changed=0
  fi
  return "$changed"
}

# A new cluster is made beside the final directory and moved in place once complete, so an
# interrupted initdb never leaves a half-made cluster where the next start would look.
init_cluster() {
  local new="$DIR.new"
  say "creating a PostgreSQL $ver cluster in $DIR (owner $OWNER)"
  rm -rf "$new"
  mkdir -m 0700 "$new"
  [ "$OWNER" = "$(id -un)" ] || chown "$OWNER:" "$new"
  as_owner test -w "$new" || die "$OWNER cannot write $new: set RECUR_POS_PG_DIR to a directory" \
    "$OWNER can reach (e.g. under /tmp)"
  as_owner "$BIN/initdb" -D "$new" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 --data-checksums >"$new.initdb.log" 2>&1 \
    || { cat "$new.initdb.log" >&2; die "initdb failed (output above)"; }
  rm -f "$new.initdb.log"
  echo "include 'recur-pos.conf'" | as_owner tee -a "$new/postgresql.conf" >/dev/null
  mv "$new" "$DIR"
}

check_owner() {
  local o
  o="$(stat -c %U "$DIR")"
  [ "$o" = "$OWNER" ] || die "$DIR belongs to $o, but this run's cluster would belong to" \
    "$OWNER: stop that cluster as $o and remove $DIR, or set RECUR_POS_PG_DIR"
}

# Until the server takes connections on TCP (what the tests use), with a deadline.
wait_ready() {
  local deadline=$((SECONDS + READY_SECONDS))
  until "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log_tail
      die "the server in $DIR does not accept connections on 127.0.0.1:$PORT after" \
        "${READY_SECONDS} s (log above)"
    fi
    sleep 0.2
  done
}

pg_ctl_start() {
  as_owner "$BIN/pg_ctl" start -s -w -t "$READY_SECONDS" -D "$DIR" -l "$LOG" >&2 \
    || { log_tail; die "the server in $DIR did not start (log above; is port $PORT taken?)"; }
}

pg_ctl_restart() {
  as_owner "$BIN/pg_ctl" restart -s -w -t "$READY_SECONDS" -m fast -D "$DIR" -l "$LOG" >&2 \
    || { log_tail; die "the server in $DIR did not restart (log above)"; }
}

# The role and the database the tests connect to, whatever state an older run left them in;
# then one connection the way the tests make it (TCP, password).
ensure_role_db() {
  psql_admin <<'EOF' >&2
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'recur') THEN CREATE ROLE recur; END IF;
END $$;
ALTER ROLE recur WITH LOGIN SUPERUSER CREATEDB PASSWORD 'recur';
SELECT 'CREATE DATABASE recur OWNER recur'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'recur') \gexec
EOF
  PGCONNECT_TIMEOUT=10 "$BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$URL" -c 'SELECT 1' >/dev/null \
    || die "the server runs, but $URL does not let the tests in"
}

start() {
  if [ ! -f "$DIR/PG_VERSION" ]; then
    [ ! -e "$DIR" ] || [ -z "$(ls -A "$DIR")" ] || die "$DIR exists but holds no cluster:" \
      "remove it or set RECUR_POS_PG_DIR"
    rmdir "$DIR" 2>/dev/null || true
    init_cluster
  fi
  check_owner
  ensure_certs
  if running; then
    # A cluster left running by an older run is reused; if its settings differ from this
    # script's (another port, an older pg.sh), it is restarted onto them.
    if write_conf; then
      say "settings changed: restarting the server in $DIR"
      pg_ctl_restart
    fi
  else
    recover_stale
    write_conf || true
    pg_ctl_start
  fi
  wait_ready
  ensure_role_db
}

case "$cmd" in
  start) start ;;
  restart)
    if [ -f "$DIR/PG_VERSION" ] && running; then
      check_owner
      ensure_certs
      write_conf || true
      pg_ctl_restart
      wait_ready
    else
      start
    fi ;;
  stop)
    if [ -f "$DIR/PG_VERSION" ] && running; then
      as_owner "$BIN/pg_ctl" stop -s -w -t "$READY_SECONDS" -m fast -D "$DIR" >&2 \
        || { log_tail; die "the server in $DIR did not stop (log above)"; }
    fi
    # Backends orphaned by a killed server hold its shared memory: end them too.
    [ ! -d "$DIR" ] || recover_stale ;;
  status)
    if [ -f "$DIR/PG_VERSION" ] && running; then
      say "running in $DIR on 127.0.0.1:$PORT"
    else
      say "not running ($DIR)"
      exit 3
    fi ;;
esac
