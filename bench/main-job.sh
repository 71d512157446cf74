#!/usr/bin/env bash
# The README's main-job figures, from the default recipe of `flows train`, at the current commit:
#
#   bench/main-job.sh            # both parts below (≈ 35 min on the 2-core machine)
#   PART=seeds bench/main-job.sh # one epoch (937 steps of batch 64) for seeds 1, 2, 3, then `flows eval` each
#   PART=main bench/main-job.sh  # the README's first command (10 minutes of training), then `flows eval`
#
# Step budgets give the same bits on any machine and any thread count, so the seed runs go two at a time
# with one thread each (PARALLEL=1 runs them one after another with all threads, THREADS=N sets the threads
# of each). The 10-minute job is a
# wall-clock budget: run it alone on a quiet machine. Runs go to $OUT (default /tmp/main-job.<commit>);
# the table is printed at the end and written to $OUT/summary.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PART="${PART:-all}"
PARALLEL="${PARALLEL:-2}"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
DIRTY="$(git -C "$ROOT" status --porcelain --untracked-files=no | grep -q . && echo ' (with uncommitted changes)' || true)"
OUT="${OUT:-/tmp/main-job.$COMMIT}"
mkdir -p "$OUT"
dotnet build "$ROOT/src/Flows.Cli" -c Release -v q -nologo >/dev/null
# Runs use a copy of the build, so that building the work tree meanwhile cannot touch them.
rm -rf "$OUT/bin" && cp -r "$ROOT/src/Flows.Cli/bin/Release/net10.0" "$OUT/bin"
FLOWS=(dotnet "$OUT/bin/Flows.Cli.dll")

evaluate() { # run folder -> "bpd" (eval exits 1 when the model cannot be inverted: the bpd still counts, the line says so)
  "${FLOWS[@]}" eval "$1" >"$1.eval" 2>&1 || true
  sed -nE 's/.*test bpd: ([0-9.]+).*/\1/p' "$1.eval"
}
inverse() { # run folder -> the invertibility error eval measured
  sed -nE 's/.*invertibility error: max .* = ([^ ]+) over.*/\1/p' "$1.eval"
}
summary() { # run folder -> the run's own summary line
  grep -E '^Steps: ' "$1.log" | tail -1 || true
}

{
  echo "# Main job at $COMMIT$DIRTY, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
  echo
} >"$OUT/summary.md"

if [[ "$PART" == all || "$PART" == seeds ]]; then
  threads="${THREADS:-$(( $(nproc) / PARALLEL ))}"; (( threads >= 1 )) || threads=1
  pids=()
  for seed in 1 2 3; do
    run="$OUT/epoch-seed$seed"
    rm -rf "$run"
    "${FLOWS[@]}" train --model glow --data mnist --steps 937 --seed "$seed" --threads "$threads" --out "$run" >"$run.log" 2>&1 &
    pids+=($!)
    if (( ${#pids[@]} >= PARALLEL )); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  done
  wait
  figures=()
  {
    echo "| seed | steps | test bpd (10,000 images) | max abs(x - Decode(Encode(x))) | run summary |"
    echo "| --- | --- | --- | --- | --- |"
    for seed in 1 2 3; do
      run="$OUT/epoch-seed$seed"
      bpd="$(evaluate "$run")"
      figures+=("$bpd")
      echo "| $seed | 937 | $bpd | $(inverse "$run") | $(summary "$run") |"
    done
    awk -v a="${figures[*]}" 'BEGIN { n = split(a, v, " "); lo = v[1]; hi = v[1]; s = 0
      for (i = 1; i <= n; i++) { s += v[i]; if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i] }
      printf "\nmean %.4f, range %.4f to %.4f (spread %.4f)\n", s / n, lo, hi, hi - lo }'
    echo
  } >>"$OUT/summary.md"
fi

if [[ "$PART" == all || "$PART" == main ]]; then
  run="$OUT/main"
  rm -rf "$run"
  start=$(date +%s)
  "${FLOWS[@]}" train --model glow --data mnist --minutes 10 --out "$run" >"$run.log" 2>&1
  wall=$(( $(date +%s) - start ))
  bpd="$(evaluate "$run")"
  steps="$(sed -nE 's/^Done: step ([0-9]+).*/\1/p' "$run.log")"
  {
    echo "| 10-minute main job | steps | test bpd (10,000 images) | max abs(x - Decode(Encode(x))) | wall clock incl. evaluations | run summary |"
    echo "| --- | --- | --- | --- | --- | --- |"
    echo "| \`train --model glow --data mnist --minutes 10\` | $steps | $bpd | $(inverse "$run") | ${wall} s | $(summary "$run") |"
    echo
  } >>"$OUT/summary.md"
fi
cat "$OUT/summary.md"
