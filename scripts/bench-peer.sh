#!/usr/bin/env bash
# Installs the ingest benchmark's peer (bench/peer: Express + better-sqlite3) into a cache folder
# outside the repository, and prints that folder's node_modules path. Idempotent: when the
# installed package.json and package-lock.json match the repository's, nothing is done.
# Usage: scripts/bench-peer.sh            (RECUR_POS_BENCH_CACHE overrides the cache folder)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
src="$repo/bench/peer"
cache="${RECUR_POS_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/recur-pos-bench}/peer"
command -v npm >/dev/null 2>&1 || { echo "bench-peer: npm is missing (Node 20 and npm are needed)" >&2; exit 1; }
mkdir -p "$cache"
same() { cmp -s "$src/$1" "$cache/$1"; }
if [ -d "$cache/node_modules/better-sqlite3" ] && [ -d "$cache/node_modules/express" ] \
   && same package.json && { [ ! -f "$src/package-lock.json" ] || same package-lock.json; }; then
  echo "$cache/node_modules"
  exit 0
fi
cp "$src/package.json" "$cache/"
if [ -f "$src/package-lock.json" ]; then cp "$src/package-lock.json" "$cache/"; fi
# better-sqlite3 builds from source when its prebuilt binary cannot be fetched; Node's headers
# are then taken from the system (Debian's nodejs ships them in /usr/include/node).
if [ -d /usr/include/node ]; then export npm_config_nodedir=/usr; fi
(cd "$cache" && npm install --no-audit --no-fund --loglevel=error >&2)
# The first install writes the lock file: keep a copy in the cache, and say where it is.
if [ ! -f "$src/package-lock.json" ]; then
  echo "bench-peer: no package-lock.json in bench/peer; the one made is $cache/package-lock.json" >&2
fi
echo "$cache/node_modules"
