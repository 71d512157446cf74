#!/usr/bin/env bash
# glow-mnist: this project against PyTorch on the same machine (shared/benchmarks/glow-mnist.md).
#
#   bench/compare-glow.sh                 # 3 interleaved repetitions of both, medians and ratios
#   REPEATS=5 STEPS=40 bench/compare-glow.sh
#   FLOWS_CMD="dotnet path/to/flows.dll" bench/compare-glow.sh   # run an already built CLI
#
# Each repetition runs PyTorch (K = 8: training, sampling, peak RSS; K = 32: peak RSS) and then
# `flows bench glow-mnist`, which runs K = 8 with ordinary and with memory-efficient backprop and K = 32
# both ways, every configuration in its own process. Both sides use 2 threads and batch 64.
# Targets: training >= 1.5x PyTorch, sampling >= 1.5x, peak RSS <= 0.5x PyTorch, K=32 peak <= 1.25x K=8 peak;
# effective GFLOP/s (nominal training FLOPs x img/s) >= 0.5 of the 2-thread FMA peak measured in the same run.
# The machine may be shared: the script reports medians over the repetitions, and every raw line is kept
# in $OUT (default /tmp/compare-glow.<time>.log).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPEATS="${REPEATS:-3}"
STEPS="${STEPS:-30}"
THREADS="${THREADS:-2}"
PYTHON="${PYTHON:-/usr/bin/python3}"
OUT="${OUT:-/tmp/compare-glow.$(date +%Y%m%d-%H%M%S).log}"
if [[ -z "${FLOWS_CMD:-}" ]]; then
  dotnet build "$ROOT/src/Flows.Cli" -c Release -v q -nologo >/dev/null
  FLOWS_CMD="dotnet run -c Release --no-build --project $ROOT/src/Flows.Cli --"
fi
# How much of the CPU the run had: float32 FMA peak on 1 and 2 threads, before and after (an idle moment
# of the 2-core AVX-512 machine gives ~200 and ~390 GFLOP/s; a neighbour on the host lowers the 2-thread figure).
dotnet build "$ROOT/bench/Flows.Bench" -c Release -v q -nologo >/dev/null
PEAK_CMD="dotnet run -c Release --no-build --project $ROOT/bench/Flows.Bench -- peak"

: >"$OUT"
$PEAK_CMD | sed "s/^/machine before /" >>"$OUT"
for ((r = 1; r <= REPEATS; r++)); do
  echo "repetition $r/$REPEATS" >&2
  "$PYTHON" "$ROOT/bench/python/glow_mnist.py" --bench --k 8 --steps "$STEPS" --threads "$THREADS" | sed "s/^/torch [K=8] /" >>"$OUT"
  "$PYTHON" "$ROOT/bench/python/glow_mnist.py" --peak-only --k 32 --steps 2 --warmup 1 --threads "$THREADS" | sed "s/^/torch [K=32] /" >>"$OUT"
  $FLOWS_CMD bench glow-mnist --steps "$STEPS" --threads "$THREADS" | sed "s/^/flows /" >>"$OUT"
done
$PEAK_CMD | sed "s/^/machine after /" >>"$OUT"

grep "^machine " "$OUT"
"$PYTHON" - "$OUT" <<'PY'
import re, statistics, sys
values = {}
for line in open(sys.argv[1]):
    m = re.match(r"(torch|flows) (\[[^\]]*\]) (\S+) ([-\d.]+) (\S+)", line.strip())
    if m:
        side, config, name, value, unit = m.groups()
        values.setdefault((side, config, name), []).append(float(value))

def med(side, config, name):
    v = values.get((side, config, name))
    return statistics.median(v) if v else float("nan")

print(f"raw lines: {sys.argv[1]}; medians over repetitions")
for (side, config, name), v in sorted(values.items()):
    print(f"  {side:5} {config:32} {name:30} median {statistics.median(v):10.1f}  (runs: {', '.join(f'{x:g}' for x in v)})")

on, off = "[K=8 memory-efficient=on]", "[K=8 memory-efficient=off]"
deep_on, deep_off = "[K=32 memory-efficient=on]", "[K=32 memory-efficient=off]"
t_train, t_sample, t_peak = med("torch", "[K=8]", "train"), med("torch", "[K=8]", "sample"), med("torch", "[K=8]", "peak_rss")
# Effective GFLOP/s: the model's nominal training FLOPs (flows bench counts the matrix products and convolutions
# of one forward pass, 2 per multiply-add, times 3 for forward + backward) times the measured img/s, against the
# 2-thread FMA peak measured before and after the run (the higher one: the conservative fraction).
peaks = [float(m.group(1)) for line in open(sys.argv[1]) for m in [re.search(r"2 threads (\d+) GFLOP/s", line)] if m and line.startswith("machine ")]
peak = max(peaks) if peaks else float("nan")
for config in (on, off):
    gf = med("flows", config, "train_gflops")
    print(f"effective {config}: {gf:.1f} GFLOP/s = {gf / peak:.2f} of the 2-thread FMA peak {peak:.0f} GFLOP/s "
          f"({med('flows', config, 'train_mflop_per_image'):.1f} MFLOP per training image nominal, "
          f"{med('flows', config, 'train_executed_mflop_per_image'):.1f} executed)")
rows_peak = [("effective GFLOP/s / FMA peak, memory-efficient on", med("flows", on, "train_gflops") / peak, ">= 0.5", lambda r: r >= 0.5)]
rows = [
    ("training img/s, memory-efficient on", med("flows", on, "train") / t_train, ">= 1.5", lambda r: r >= 1.5),
    ("training img/s, memory-efficient off", med("flows", off, "train") / t_train, ">= 1.5", lambda r: r >= 1.5),
    ("sampling img/s", med("flows", on, "sample") / t_sample, ">= 1.5", lambda r: r >= 1.5),
    ("evaluation img/s (log p of a batch, no recording)", med("flows", on, "evaluate") / med("torch", "[K=8]", "evaluate"), "", None),
    ("peak RSS, memory-efficient on", med("flows", on, "peak_rss") / t_peak, "<= 0.5", lambda r: r <= 0.5),
    ("peak RSS, memory-efficient off", med("flows", off, "peak_rss") / t_peak, "<= 0.5", lambda r: r <= 0.5),
    ("K=32 / K=8 peak RSS, memory-efficient on", med("flows", deep_on, "peak_rss") / med("flows", on, "peak_rss"), "<= 1.25", lambda r: r <= 1.25),
    ("K=32 / K=8 peak RSS, memory-efficient off", med("flows", deep_off, "peak_rss") / med("flows", off, "peak_rss"), "<= 1.25", lambda r: r <= 1.25),
    ("(PyTorch K=32 / K=8 peak RSS)", med("torch", "[K=32]", "peak_rss") / t_peak, "", None),
]
rows += rows_peak
print("ratios (flows / PyTorch unless stated):")
for name, ratio, target, ok in rows:
    verdict = "" if ok is None else ("met" if ok(ratio) else "NOT met")
    print(f"  {name:45} {ratio:6.2f}x  target {target:8} {verdict}")
PY
