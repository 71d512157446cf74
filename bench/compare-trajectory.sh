#!/usr/bin/env bash
# Same start, same batches: does this project train glow-mnist the way PyTorch does?
#
#   bench/compare-trajectory.sh            # 300 steps
#   STEPS=60 bench/compare-trajectory.sh
#
# `flows bench glow-mnist --record` writes the initial state (after the ActNorm data-dependent init),
# the dequantized batches and its own loss per step; bench/python/glow_mnist.py --replay loads that state
# into the PyTorch model and trains on the same batches with the same Adam and warm-up. Printed: the
# first step where the two losses differ by more than 1e-3, and mean loss per 50-step window for each.
# Float rounding differs between the two, so the curves agree only until it is amplified; from then on
# compare the windows, not the steps. MEMORY_EFFICIENT=false records with ordinary backprop.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STEPS="${STEPS:-300}"
THREADS="${THREADS:-2}"
PYTHON="${PYTHON:-/usr/bin/python3}"
DIR="${DIR:-$(mktemp -d /tmp/trajectory.XXXXXX)}"
if [[ -z "${FLOWS_CMD:-}" ]]; then
  dotnet build "$ROOT/src/Flows.Cli" -c Release -v q -nologo >/dev/null
  FLOWS_CMD="dotnet run -c Release --no-build --project $ROOT/src/Flows.Cli --"
fi

$FLOWS_CMD bench glow-mnist --record "$DIR" --steps "$STEPS" --threads "$THREADS" --memory-efficient "${MEMORY_EFFICIENT:-true}" >/dev/null
"$PYTHON" "$ROOT/bench/python/glow_mnist.py" --replay "$DIR" --threads "$THREADS" >"$DIR/torch-losses.txt"

"$PYTHON" - "$DIR" <<'PY'
import os, sys
d = sys.argv[1]
def read(name):
    return [float(line.split()[3]) for line in open(os.path.join(d, name)) if line.startswith("step ")]
ours, torch = read("losses.txt"), read("torch-losses.txt")
n = min(len(ours), len(torch))
first = next((i for i in range(n) if abs(ours[i] - torch[i]) > 1e-3), None)
print(f"recorded in {d}: {n} steps")
print(f"max |loss difference| over the first 50 steps: {max(abs(ours[i] - torch[i]) for i in range(min(n, 50))):.2e} bpd")
print("first step with |difference| > 1e-3 bpd:", first if first is not None else "none")
print("window       flows   PyTorch  (mean loss, bpd)")
for w in range(0, n, 50):
    a, b = ours[w:w + 50], torch[w:w + 50]
    print(f"{w:4}-{w + len(a) - 1:<4}  {sum(a) / len(a):7.3f}  {sum(b) / len(b):7.3f}")
PY
