#!/usr/bin/env bash
# Data-parallel throughput on this machine: one process with T threads against N MPI ranks with T/N threads
# each, on the benchmark Glow (the main job's model, batch 64), interleaved repetitions, medians.
#
#   bench/mpi.sh                    # N = 2, T = 2, 3 repetitions of 160 steps each (≈ 6 min on 2 cores)
#   RANKS=2 THREADS=2 REPS=3 STEPS=160 bench/mpi.sh
#
# Throughput is measured from each run's metrics.jsonl: images per second of training time (evaluation
# excluded) between step 40 and the last step. The allreduce figures are rank 0's own ("Gradient allreduce"
# line of the run summary). Run it on a quiet machine: no background trainings.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RANKS="${RANKS:-2}"; THREADS="${THREADS:-2}"; REPS="${REPS:-3}"; STEPS="${STEPS:-160}"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
OUT="${OUT:-/tmp/mpi-bench.$COMMIT}"
mkdir -p "$OUT"
dotnet build "$ROOT/src/Flows.Cli" -c Release -v q -nologo >/dev/null
rm -rf "$OUT/bin" && cp -r "$ROOT/src/Flows.Cli/bin/Release/net10.0" "$OUT/bin"
FLOWS=(dotnet "$OUT/bin/Flows.Cli.dll")
ARGS=(train --model glow --data mnist --steps "$STEPS" --test-size 200 --log-every 1000)
PER_RANK=$((THREADS / RANKS)); [ "$PER_RANK" -ge 1 ] || PER_RANK=1

rate() { # run folder -> images/s of training time from step 40 to the end
  python3 - "$1/metrics.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"train"' in l]
a = next(r for r in rows if r["step"] == 40); b = rows[-1]
print(f"{64 * (b['step'] - a['step']) / (b['elapsedSeconds'] - a['elapsedSeconds']):.1f}")
PY
}

: >"$OUT/one.txt"; : >"$OUT/ranks.txt"
for rep in $(seq 1 "$REPS"); do
  rm -rf "$OUT/one-$rep" "$OUT/ranks-$rep"
  "${FLOWS[@]}" "${ARGS[@]}" --threads "$THREADS" --out "$OUT/one-$rep" >"$OUT/one-$rep.log" 2>&1
  rate "$OUT/one-$rep" | tee -a "$OUT/one.txt" | sed "s/^/rep $rep: 1 process x $THREADS threads: /"
  mpirun --allow-run-as-root --oversubscribe --bind-to none -np "$RANKS" "${FLOWS[@]}" "${ARGS[@]}" --threads "$PER_RANK" --out "$OUT/ranks-$rep" >"$OUT/ranks-$rep.log" 2>&1
  rate "$OUT/ranks-$rep" | tee -a "$OUT/ranks.txt" | sed "s/^/rep $rep: $RANKS ranks x $PER_RANK threads: /"
  grep -E '^Gradient allreduce' "$OUT/ranks-$rep.log" | sed 's/^/  /'
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
one=$(median "$OUT/one.txt"); ranks=$(median "$OUT/ranks.txt")
{
  echo "# MPI throughput at $COMMIT, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(mpirun --version | head -1)"
  echo "1 process x $THREADS threads: median $one img/s ($(paste -sd' ' "$OUT/one.txt"))"
  echo "$RANKS ranks x $PER_RANK threads: median $ranks img/s ($(paste -sd' ' "$OUT/ranks.txt"))"
  echo "ratio (ranks / one process): $(python3 -c "print(f'{$ranks / $one:.3f}')")"
  grep -hE '^Gradient allreduce' "$OUT"/ranks-*.log
} | tee "$OUT/summary.md"
