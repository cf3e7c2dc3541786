#!/usr/bin/env bash
# Runs the core's cargo-fuzz targets (fuzz/) one after another, each for SECONDS, and prints per
# target the executions, the corpus size and the findings (crash files). Exit status 1 when a
# target found something (its input is in fuzz/artifacts/<target>/: replay it with
# `cargo +nightly fuzz run <target> <file>`).
#
#   bash tools/fuzz.sh SECONDS [TARGET ...]     (all four targets when none is named)
#   FUZZ_RUNS=2000000 bash tools/fuzz.sh 1800 member_list   (stop at that many executions)
#
# Needs the nightly toolchain; installs cargo-fuzz (pinned) when it is missing. Without nightly it
# says so and exits 0, so CI can call it anywhere. One process per target (-jobs is left at 1):
# the machine is shared. Built without a sanitizer (-s none): the core is safe Rust, and the
# targets run several times faster. The working corpus grows in fuzz/corpus/ (not committed); the committed
# seeds are in fuzz/seeds/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
CARGO_FUZZ_VERSION=0.13.2
ALL=(json_differential handle_json_sequence im_replies member_list)

seconds="${1:-}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "usage: bash tools/fuzz.sh SECONDS [TARGET ...]   (targets: ${ALL[*]})" >&2
  exit 2
fi
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL[@]}")

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: no nightly toolchain here (rustup toolchain install nightly): fuzzing skipped"
  exit 0
fi
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
  echo "+ cargo install cargo-fuzz --version $CARGO_FUZZ_VERSION --locked"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

cd "$ROOT/fuzz"
echo "+ cargo +nightly fuzz build -O -s none (fuzz/)"
cargo +nightly fuzz build -O -s none
found=0
total=0
printf '%-22s %12s %10s %8s %9s\n' target executions exec/s corpus findings
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t" "seeds/$t"
  log="$(mktemp)"
  before="$(ls "artifacts/$t" | wc -l)"
  # -timeout: one input may take at most 10 s; -rss_limit_mb: the whole process at most 2 GB.
  set +e
  cargo +nightly fuzz run -O -s none "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1
  status=$?
  set -e
  runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
  rate="$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
  after="$(ls "artifacts/$t" | wc -l)"
  new=$((after - before))
  if [ "$status" -ne 0 ] && [ "$new" -eq 0 ]; then new=1; fi
  printf '%-22s %12s %10s %8s %9s\n' "$t" "${runs:-?}" "${rate:-?}" "$(ls "corpus/$t" | wc -l)" "$new"
  if [ "$new" -ne 0 ]; then
    found=1
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -8 | sed 's/^/    /'
  fi
  total=$((total + ${runs:-0}))
  rm -f "$log"
done
echo "fuzz: $total executions in total"
exit "$found"
