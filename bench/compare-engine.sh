#!/usr/bin/env bash
# Runs the engine figures in Flows (bench/Flows.Bench quick) and in PyTorch (bench/python/engine_bench.py)
# on the same machine, one after the other, and prints them side by side.
# Usage: bench/compare-engine.sh [threads=2] [reps=15]
# speedup = PyTorch ms / Flows ms (above 1: Flows is faster).
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-2}"
reps="${2:-15}"
python="${PYTHON:-/usr/bin/python3}"
dotnet build bench/Flows.Bench -c Release -v quiet -nologo >/dev/null
flows="$(mktemp)"
torch="$(mktemp)"
trap 'rm -f "$flows" "$torch"' EXIT
dotnet run -c Release --no-build --project bench/Flows.Bench -- quick --threads "$threads" --reps "$reps" >"$flows"
"$python" bench/python/engine_bench.py --threads "$threads" --reps "$reps" >"$torch"
echo "threads=$threads reps=$reps (median ms per figure; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
awk 'NR == FNR { ms[$1] = $2; gf[$1] = $4; next }
     FNR == 1 { printf "%-26s %12s %12s %12s %12s %9s\n", "figure", "Flows ms", "PyTorch ms", "Flows GF/s", "PyTorch GF/s", "speedup" }
     ($1 in ms) { printf "%-26s %12.3f %12.3f %12.1f %12.1f %8.2fx\n", $1, ms[$1], $2, gf[$1], $4, $2 / ms[$1] }' "$flows" "$torch"
