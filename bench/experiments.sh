#!/usr/bin/env bash
# The papers' experiments at this machine's scale, rerun by one command. A run already finished is skipped, an
# interrupted one is resumed (resume is exact), so the command can be stopped (Ctrl+C saves) and run again.
#
#   bench/experiments.sh ablation   # Glow's figure 3: {reverse, shuffle, LU 1x1} x {additive, affine}, seeds 1-3
#   bench/experiments.sh depth      # K = 4, 8, 16, 32 at equal steps: test bpd, img/s, peak memory, memory-efficient on/off
#   bench/experiments.sh realnvp    # RealNVP on MNIST: {channel + checkerboard, checkerboard only} masks x {batch norm, ActNorm}
#   bench/experiments.sh toy        # NICE, RealNVP and Glow vector flows on the 2-D sets: densities side by side
#   bench/experiments.sh figures    # temperature sweeps, interpolations and attribute edits from the zoo models
#   bench/experiments.sh all
#
# Settings (environment): OUT (default experiments/), STEPS (ablation, default 1500), DEPTH_STEPS (default 300),
# REALNVP_STEPS (default 1000), TOY_STEPS (default 3000), THREADS (default all), SEEDS (default "1 2 3"),
# MNIST_MODEL / FASHION_MODEL (figures; default zoo/glow-mnist-long and zoo/glow-fashion-mnist).
# Budgets are steps, so a busy machine changes the wall time only. Needs python3 for the tables (apt-get install python3).
# Each experiment ends with a picture (flows plot) and a table in OUT/EXPERIMENT/summary.md, with the commands,
# seeds, steps and wall times.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WHAT="${1:-all}"
OUT="${OUT:-$ROOT/experiments}"
STEPS="${STEPS:-1500}"
DEPTH_STEPS="${DEPTH_STEPS:-300}"
REALNVP_STEPS="${REALNVP_STEPS:-1000}"
TOY_STEPS="${TOY_STEPS:-3000}"
MNIST_MODEL="${MNIST_MODEL:-$ROOT/zoo/glow-mnist-long}"
FASHION_MODEL="${FASHION_MODEL:-$ROOT/zoo/glow-fashion-mnist}"
THREADS="${THREADS:-$(nproc)}"
command -v python3 >/dev/null || { echo "bench/experiments.sh needs python3 for its tables: apt-get install python3" >&2; exit 1; }
SEEDS="${SEEDS:-1 2 3}"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
mkdir -p "$OUT"
dotnet build "$ROOT/src/Flows.Cli" -c Release -v q -nologo >/dev/null
# Runs use a copy of the build, so that building the work tree meanwhile cannot touch them.
BIN="$OUT/.bin-$COMMIT"
[ -d "$BIN" ] || cp -r "$ROOT/src/Flows.Cli/bin/Release/net10.0" "$BIN"
FLOWS=(dotnet "$BIN/Flows.Cli.dll")

state() { # run folder, field -> value from checkpoint/state.json (empty if none)
  [ -f "$1/checkpoint/state.json" ] && python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1/checkpoint/state.json" "$2" 2>/dev/null || true
}

train() { # run folder, steps, training arguments... : skip, resume or start; the peak memory of the last piece goes to RUN.rss
  local run="$1" steps="$2"; shift 2
  local done; done="$(state "$run" step)"
  if [ -n "$done" ] && [ "$done" -ge "$steps" ]; then
    echo "  $run: done ($done steps)"; return
  fi
  local cmd
  if [ -n "$done" ]; then
    echo "  $run: resuming at step $done"
    cmd=("${FLOWS[@]}" train --resume "$run" --steps "$steps" --threads "$THREADS")
  else
    echo "  $run: starting"
    rm -rf "$run"
    cmd=("${FLOWS[@]}" train "$@" --steps "$steps" --threads "$THREADS" --out "$run")
  fi
  echo "${cmd[*]}" >>"$run.commands"
  /usr/bin/time -f "%M" -o "$run.rss" "${cmd[@]}" >>"$run.log" 2>&1
}

final() { # run folder -> "test-bpd wall-seconds" from the run's last test evaluation and its state
  python3 - "$1" <<'PY'
import json, sys
run = sys.argv[1]
tests = [json.loads(l) for l in open(run + "/metrics.jsonl") if '"test"' in l]
state = json.load(open(run + "/checkpoint/state.json"))
print(f"{tests[-1]['value']:.4f} {state['elapsedSeconds']:.0f}")
PY
}

ablation() {
  local dir="$OUT/ablation"; mkdir -p "$dir"
  echo "Glow ablation: K=4, hidden 64, L=2 on MNIST, $STEPS steps of batch 64, seeds $SEEDS"
  local groups=()
  for coupling in additive affine; do
    for perm in reverse shuffle lu; do
      local runs=()
      for seed in $SEEDS; do
        local run="$dir/$perm-$coupling-s$seed"
        train "$run" "$STEPS" --model glow --data mnist -L 2 -K 4 --hidden 64 --coupling "$coupling" --permutation "$perm" --seed "$seed" --test-size 10000 --log-every 100
        runs+=("$run")
      done
      groups+=("$perm, $coupling=$(IFS=,; echo "${runs[*]}")")
    done
  done
  "${FLOWS[@]}" plot "${groups[@]}" --train -o "$dir/ablation.svg" --title "Glow ablation on MNIST (K=4, $STEPS steps; mean and range of seeds $SEEDS)" >"$dir/plot.txt"
  {
    echo "# Glow ablation at $COMMIT ($(date -u '+%Y-%m-%d %H:%M UTC'))"
    echo
    echo "\`bench/experiments.sh ablation\` (STEPS=$STEPS, seeds $SEEDS): \`flows train --model glow --data mnist -L 2 -K 4 --hidden 64 --coupling C --permutation P --seed S --steps $STEPS --test-size 10000\`."
    echo
    echo "| permutation | coupling | test bpd per seed (all 10,000 test images) | mean | wall time per run (s) |"
    echo "| --- | --- | --- | --- | --- |"
    for coupling in additive affine; do
      for perm in reverse shuffle lu; do
        local values=() walls=()
        for seed in $SEEDS; do
          read -r bpd wall < <(final "$dir/$perm-$coupling-s$seed")
          values+=("$bpd"); walls+=("$wall")
        done
        local mean; mean=$(python3 -c "import sys; v=[float(x) for x in sys.argv[1:]]; print(f'{sum(v)/len(v):.4f}')" "${values[@]}")
        echo "| $perm | $coupling | ${values[*]} | $mean | ${walls[*]} |"
      done
    done
    echo
    echo "![ablation](ablation.svg) (smoothed training bpd)"
  } >"$dir/summary.md"
  cat "$dir/summary.md"
}

depth() {
  local dir="$OUT/depth"; mkdir -p "$dir"
  echo "Depth: K = 4, 8, 16, 32 (L=2, hidden 128), $DEPTH_STEPS steps of batch 64, memory-efficient back-propagation on and off"
  for k in 4 8 16 32; do
    for me in true false; do
      train "$dir/k$k-me-$me" "$DEPTH_STEPS" --model glow --data mnist -L 2 -K "$k" --hidden 128 --memory-efficient "$me" --test-size 2000 --log-every 50
    done
  done
  {
    echo "# Depth at $COMMIT ($(date -u '+%Y-%m-%d %H:%M UTC')), $THREADS thread(s)"
    echo
    echo "\`bench/experiments.sh depth\` (DEPTH_STEPS=$DEPTH_STEPS): \`flows train --model glow --data mnist -L 2 -K K --hidden 128 --memory-efficient M --steps $DEPTH_STEPS --test-size 2000\`; img/s is the median of the run's windows after step 20 (training only); peak RSS of the whole process (training, evaluations, pictures) from /usr/bin/time, of the last piece if the run was resumed."
    echo
    echo "| K | memory-efficient | test bpd (2,000 images) | img/s | peak RSS (MiB) |"
    echo "| --- | --- | --- | --- | --- |"
    for k in 4 8 16 32; do
      for me in true false; do
        local run="$dir/k$k-me-$me"
        python3 - "$run" "$k" "$me" <<'PY'
import json, sys, statistics
run, k, me = sys.argv[1:]
rows = [json.loads(l) for l in open(run + "/metrics.jsonl")]
test = [r for r in rows if r["kind"] == "test"][-1]["value"]
train = [r for r in rows if r["kind"] == "train"]
rate = statistics.median(r["examplesPerSecond"] for r in train if r["step"] > min(20, len(train) // 2))
rss = int(open(run + ".rss").read().split()[-1]) / 1024
print(f"| {k} | {me} | {test:.4f} | {rate:.1f} | {rss:.0f} |")
PY
      done
    done
  } >"$dir/summary.md"
  cat "$dir/summary.md"
}

realnvp() {
  local dir="$OUT/realnvp"; mkdir -p "$dir"
  echo "RealNVP on MNIST: L=3, hidden 32, 2 residual blocks, logit 1e-6, $REALNVP_STEPS steps of batch 64, seed 1"
  local groups=()
  for masks in channel checkerboard; do
    for norm in batchnorm actnorm; do
      local run="$dir/$masks-$norm"
      train "$run" "$REALNVP_STEPS" --model realnvp --data mnist -L 3 --hidden 32 --hidden-layers 2 --logit 1e-6 --masks "$masks" --step-norm "$norm" --seed 1 --test-size 10000 --log-every 100
      groups+=("$masks masks, $norm=$run")
    done
  done
  "${FLOWS[@]}" plot "${groups[@]}" --train -o "$dir/realnvp.svg" --title "RealNVP on MNIST: masks and normalisation ($REALNVP_STEPS steps, seed 1)" >"$dir/plot.txt"
  {
    echo "# RealNVP masks and normalisation at $COMMIT ($(date -u '+%Y-%m-%d %H:%M UTC')), $THREADS thread(s)"
    echo
    echo "\`bench/experiments.sh realnvp\` (REALNVP_STEPS=$REALNVP_STEPS): \`flows train --model realnvp --data mnist -L 3 --hidden 32 --hidden-layers 2 --logit 1e-6 --masks M --step-norm N --seed 1 --steps $REALNVP_STEPS --test-size 10000\`. \"channel\" is the paper's model (checkerboard couplings, squeeze, channel-wise couplings on every scale but the last); \"checkerboard\" uses checkerboard masks after the squeeze too."
    echo
    echo "| masks after the squeeze | normalisation after each coupling | test bpd (all 10,000 test images) | wall time (s) |"
    echo "| --- | --- | --- | --- |"
    for masks in channel checkerboard; do
      for norm in batchnorm actnorm; do
        read -r bpd wall < <(final "$dir/$masks-$norm")
        echo "| $masks | $norm | $bpd | $wall |"
      done
    done
    echo
    echo "![realnvp](realnvp.svg) (smoothed training bpd)"
  } >"$dir/summary.md"
  cat "$dir/summary.md"
}

toy() {
  local dir="$OUT/toy"; mkdir -p "$dir"
  echo "2-D densities: NICE, RealNVP and Glow vector flows (K=8, hidden 64), $TOY_STEPS steps of batch 256, seed 1"
  for data in moons rings 8gaussians checkerboard; do
    for model in nice realnvp glow; do
      train "$dir/$data-$model" "$TOY_STEPS" --model "$model" --data "$data" -K 8 --hidden 64 --batch 256 --seed 1 --log-every 500
    done
    "${FLOWS[@]}" sample "$dir/$data-nice" "$dir/$data-realnvp" "$dir/$data-glow" -o "$dir/$data.png" >/dev/null
  done
  {
    echo "# 2-D densities at $COMMIT ($(date -u '+%Y-%m-%d %H:%M UTC')), $THREADS thread(s)"
    echo
    echo "\`bench/experiments.sh toy\` (TOY_STEPS=$TOY_STEPS): \`flows train --model M --data D -K 8 --hidden 64 --batch 256 --seed 1 --steps $TOY_STEPS\`, then \`flows sample D-nice D-realnvp D-glow -o D.png\` (data | NICE | RealNVP | Glow densities)."
    echo
    echo "| data | NICE test NLL (nats) | RealNVP | Glow | wall times (s) |"
    echo "| --- | --- | --- | --- | --- |"
    for data in moons rings 8gaussians checkerboard; do
      local row=() walls=()
      for model in nice realnvp glow; do
        read -r nll wall < <(final "$dir/$data-$model")
        row+=("$nll"); walls+=("$wall")
      done
      echo "| $data | ${row[0]} | ${row[1]} | ${row[2]} | ${walls[*]} |"
    done
    echo
    for data in moons rings 8gaussians checkerboard; do echo "![$data]($data.png)"; echo; done
  } >"$dir/summary.md"
  cat "$dir/summary.md"
}

figures() {
  local dir="$OUT/figures"; mkdir -p "$dir"
  echo "Figures from $MNIST_MODEL and $FASHION_MODEL"
  local log="$dir/commands.txt"; : >"$log"
  fig() { echo "flows $*" >>"$log"; "${FLOWS[@]}" "$@" --threads "$THREADS" | tee -a "$log"; }
  for pair in "mnist=$MNIST_MODEL" "fashion-mnist=$FASHION_MODEL"; do
    local name="${pair%%=*}" model="${pair#*=}"
    fig sample "$model" --sweep --n 10 --seed 1 -o "$dir/$name-sweep.png"
    fig sample "$model" --n 64 --temperature 0.7 --seed 1 -o "$dir/$name-t07.png"
    fig interpolate "$model" --from 0,2,4,6,8 --to 1,3,5,7,9 --steps 10 -o "$dir/$name-interpolation.png"
  done
  fig manipulate "$MNIST_MODEL" --label 1 --images 0,1,2,3,4 --strengths -1.5,-1,-0.5,0,0.5,1,1.5 -o "$dir/mnist-manipulate-1.png"
  fig manipulate "$FASHION_MODEL" --label 0 --images 0,1,2,3,4 --strengths -1.5,-1,-0.5,0,0.5,1,1.5 -o "$dir/fashion-mnist-manipulate-0.png"
  cat "$log"
}

case "$WHAT" in
  ablation) ablation ;;
  depth) depth ;;
  realnvp) realnvp ;;
  toy) toy ;;
  figures) figures ;;
  all) ablation; depth; realnvp; toy; figures ;;
  *) echo "usage: bench/experiments.sh ablation|depth|realnvp|toy|figures|all" >&2; exit 2 ;;
esac
