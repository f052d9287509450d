#!/usr/bin/env bash
# Runs the cargo-fuzz targets under fuzz/ (libFuzzer), one at a time.
# Usage: scripts/fuzz.sh [TARGET] [SECONDS]
#   TARGET   signature | event | listener_request | redact | all (default: all)
#   SECONDS  how long each target runs (default: 300)
# Crashes are written to fuzz/artifacts/TARGET/ and the run stops at the first one; replay one
# with `scripts/fuzz.sh TARGET 0 fuzz/artifacts/TARGET/crash-…` (it is run once, not fuzzed).
# New inputs found go to fuzz/corpus/TARGET/ (only the seed-* files there are committed).
# FUZZ_JOBS=N runs N processes per target (default 1: the machine is shared).
#
# libFuzzer needs the compiler's `-Zsanitizer`/`-Cpasses=sancov` flags, which only a nightly
# compiler accepts. We build with the stable toolchain and RUSTC_BOOTSTRAP=1, which lets stable
# accept them: no second toolchain to install or keep in step. The sanitizer is "none" by
# default (the workspace forbids unsafe code, so AddressSanitizer would only watch our
# dependencies, at half the speed); FUZZ_SANITIZER=address turns it on. Debug assertions are
# on, so an arithmetic overflow is a crash.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_DIR="${RECUR_POS_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/recur-pos/tools}"
export PATH="$TOOLS_DIR/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz into $TOOLS_DIR (once)" >&2
  cargo install cargo-fuzz --locked --root "$TOOLS_DIR" >&2
fi
export RUSTC_BOOTSTRAP=1

TARGETS=(signature event listener_request redact)
target="${1:-all}"
seconds="${2:-300}"
replay="${3:-}"
if [ "$target" = all ]; then
  selected=("${TARGETS[@]}")
else
  case " ${TARGETS[*]} " in
    *" $target "*) selected=("$target") ;;
    *) echo "fuzz: no target '$target' (targets: ${TARGETS[*]} all)" >&2; exit 2 ;;
  esac
fi

flags=(--sanitizer "${FUZZ_SANITIZER:-none}" --debug-assertions --fuzz-dir fuzz)
for t in "${selected[@]}"; do
  if [ -n "$replay" ]; then
    cargo fuzz run "${flags[@]}" "$t" "$replay"
    continue
  fi
  echo "fuzz: $t for ${seconds}s" >&2
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  parallel=()
  if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then parallel=(-fork="$FUZZ_JOBS"); fi
  cargo fuzz run "${flags[@]}" "$t" "fuzz/corpus/$t" -- \
    -max_total_time="$seconds" "${parallel[@]}" \
    -max_len=65536 -timeout=20 -rss_limit_mb=4096 -print_final_stats=1
done
