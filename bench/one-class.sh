#!/usr/bin/env bash
# The one-class anomaly benchmark (Ruff et al. 2018; Golan & El-Yaniv 2018): for each class c of MNIST and of
# Fashion-MNIST, a Glow trained on class c's training images only; its test images of class c are normal,
# the test images of the other nine classes anomalies; AUROC of every score (`flows ood`).
#
#   bench/one-class.sh                        # both data sets, all 10 classes (skips finished classes, resumes others)
#   DATA="mnist" CLASSES="3 7" bench/one-class.sh
#   BACKGROUND_MNIST=zoo/glow-fashion-mnist BACKGROUND_FASHION=zoo/glow-mnist-long bench/one-class.sh
#       # + the likelihood ratio against a model of ANOTHER data set (never of the anomaly classes), as Schirrmeister
#       # et al. 2020 use a general-domain model
#
# Budget per class: STEPS (default 600) steps of batch 64 of a Glow with L = 2 levels of K (default 4) steps of
# hidden width HIDDEN (default 64), the default recipe plus EXTRA (more train options, e.g. EXTRA="--logit 1e-6"), THREADS threads (default all). Runs and the table go to $OUT (default /work/runs/one-class);
# the table is written to $OUT/summary.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-/work/runs/one-class}"
STEPS="${STEPS:-600}"
K="${K:-4}"
HIDDEN="${HIDDEN:-64}"
DATA="${DATA:-mnist fashion-mnist}"
CLASSES="${CLASSES:-0 1 2 3 4 5 6 7 8 9}"
THREADS="${THREADS:-$(nproc)}"
EXTRA="${EXTRA:-}"
BACKGROUND_MNIST="${BACKGROUND_MNIST:-}"
BACKGROUND_FASHION="${BACKGROUND_FASHION:-}"
background() { case "$1" in mnist) echo "$BACKGROUND_MNIST" ;; fashion-mnist) echo "$BACKGROUND_FASHION" ;; esac; }
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
mkdir -p "$OUT"
dotnet build "$ROOT/src/Flows.Cli" -c Release -v q -nologo >/dev/null
# Runs use a copy of the build, so that building the work tree meanwhile cannot touch them.
rm -rf "$OUT/bin" && cp -r "$ROOT/src/Flows.Cli/bin/Release/net10.0" "$OUT/bin"
FLOWS=(dotnet "$OUT/bin/Flows.Cli.dll")

for data in $DATA; do
  for c in $CLASSES; do
    run="$OUT/$data-$c"
    others="$(seq 0 9 | grep -vx "$c" | paste -sd,)"
    bg="$(background "$data")"
    if [[ -f "$run.ood" ]] && grep -q '^| top-level |' "$run.ood" && { [[ -z "$bg" ]] || grep -q '^| likelihood-ratio |' "$run.ood"; }; then continue; fi
    state="$run/checkpoint/state.json"
    if [[ -f "$state" ]] && grep -q "\"step\": $STEPS," "$state"; then
      : # trained; only the scores are missing
    elif [[ -f "$state" ]]; then
      "${FLOWS[@]}" train --resume "$run" --threads "$THREADS" >>"$run.log" 2>&1
    else
      "${FLOWS[@]}" train --model glow --data "$data" --classes "$c" -K "$K" --hidden "$HIDDEN" --steps "$STEPS" --threads "$THREADS" $EXTRA --out "$run" >"$run.log" 2>&1
    fi
    "${FLOWS[@]}" ood "$run" --out "$data" --out-classes "$others" --threads "$THREADS" ${bg:+--background "$bg"} >"$run.ood" 2>&1
    echo "$data class $c: $(grep -E '^\| (likelihood|input-complexity|likelihood-ratio|top-level) ' "$run.ood" | cut -d'|' -f2,3 | tr '\n' ' ')"
  done
done

{
  echo "# One-class AUROC at $COMMIT, $(date -u '+%Y-%m-%d %H:%M UTC'): Glow L=2, K=$K, hidden $HIDDEN, $STEPS steps of batch 64 per class${EXTRA:+, $EXTRA}"
  echo
  for data in $DATA; do
    echo "| $data: normal class | AUROC, likelihood | AUROC, input complexity | AUROC, likelihood ratio (background: $(background "$data")) | AUROC, top-level latent |"
    echo "| --- | --- | --- | --- | --- |"
    for c in $CLASSES; do
      f="$OUT/$data-$c.ood"
      [[ -f "$f" ]] || continue
      l="$(sed -nE 's/^\| likelihood \| ([0-9.]+) .*/\1/p' "$f")"
      i="$(sed -nE 's/^\| input-complexity \| ([0-9.]+) .*/\1/p' "$f")"
      r="$(sed -nE 's/^\| likelihood-ratio \| ([0-9.]+) .*/\1/p' "$f")"
      t="$(sed -nE 's/^\| top-level \| ([0-9.]+) .*/\1/p' "$f")"
      echo "| $c | $l | $i | ${r:-–} | ${t:-–} |"
    done
    for c in $CLASSES; do sed -nE 's/^\| likelihood \| ([0-9.]+) .*/\1/p' "$OUT/$data-$c.ood" 2>/dev/null; done | awk '{ s += $1; n++ } END { if (n) printf "| mean (likelihood, %d classes) | %.4f | | | |\n", n, s / n }'
    for c in $CLASSES; do sed -nE 's/^\| input-complexity \| ([0-9.]+) .*/\1/p' "$OUT/$data-$c.ood" 2>/dev/null; done | awk '{ s += $1; n++ } END { if (n) printf "| mean (input complexity, %d classes) | | %.4f | | |\n", n, s / n }'
    for c in $CLASSES; do sed -nE 's/^\| likelihood-ratio \| ([0-9.]+) .*/\1/p' "$OUT/$data-$c.ood" 2>/dev/null; done | awk '{ s += $1; n++ } END { if (n) printf "| mean (likelihood ratio, %d classes) | | | %.4f | |\n", n, s / n }'
    for c in $CLASSES; do sed -nE 's/^\| top-level \| ([0-9.]+) .*/\1/p' "$OUT/$data-$c.ood" 2>/dev/null; done | awk '{ s += $1; n++ } END { if (n) printf "| mean (top-level latent, %d classes) | | | | %.4f |\n", n, s / n }'
    echo
  done
} >"$OUT/summary.md"
cat "$OUT/summary.md"
