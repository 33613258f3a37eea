#!/usr/bin/env bash
# Engine speed against the machine's limits (issue 11). Full run: about 30 minutes on a quiet 2-core machine.
#
#   bench/engine/run.sh [--quick] [--models 1b,2b] [--dtypes BF16,F32] [--threads 1,2] [--keep] [--at REV]
#
#   --quick     smoke run: InternVL3-1B, BF16, 2 threads, one vision tile, prefill 256, decode at 256 and 1024
#   --models    1b (InternViT-300M + Qwen2.5-0.5B), 2b (InternViT-300M + Qwen2.5-1.5B), tiny (harness test)
#   --dtypes    BF16, F32, F16 as stored, and Q8_0 (the BF16 checkpoint quantized at load: EngineBench --weights q8_0)
#   --keep      keep the generated checkpoints in bench/.work/engine/ (they are regenerated otherwise)
#   --wait-quiet S  before the limits and before each configuration, wait up to S seconds (default 120) for the
#               machine to be quiet (< 20 % of the CPUs busy over 3 s), then measure anyway; 0 = never wait
#   --at REV    measure the engine as committed at REV (git archive into bench/.work/engine/src, built there)
#               instead of the working tree, which may hold someone's unfinished kernel changes
#
# 1. builds the engine (Maven, offline) unless ENGINE_CP is given, copies its classes privately (a `mvn clean`
#    elsewhere in the checkout must not pull them away mid-run) and compiles the benchmark sources
# 2. MachineLimits: memory read bandwidth and fp32 FMA throughput, 1 and 2 threads, Vector API
# 3. for each model and dtype: writes a random-weight checkpoint of the real shape into bench/.work/engine/ (ignored
#    by git), then one JVM per thread count runs EngineBench: TTFT for a one-tile image prompt, vision per tile and
#    for 13 tiles, prefill tok/s at 256 and 1024, decode tok/s at context 256 and 2048, peak RSS — each with its
#    fraction of the limit, the foreign load while it ran and the CPU share it got
# 4. Report: one table per model, the llama.cpp figures of issue 11 beside ours
#
# While something else must keep the CPU (a training job), run it as `nice -n 10 bench/engine/run.sh ...`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
MODELS="1b,2b" DTYPES="BF16,F32,Q8_0" THREADS="1,2" QUICK=0 KEEP=0 AT="" WAIT_QUIET=120
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1; MODELS="1b"; DTYPES="BF16"; THREADS="2"; shift ;;
    --models) MODELS="$2"; shift 2 ;;
    --dtypes) DTYPES="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --at) AT="$2"; shift 2 ;;
    --wait-quiet) WAIT_QUIET="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
WORK="$ROOT/bench/.work/engine"
mkdir -p "$WORK"
RUN="$WORK/run-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RUN"
cleanup() { rm -rf "$RUN/classes" "$WORK/src"; [[ $KEEP == 1 ]] || rm -rf "$WORK/models"; }
trap cleanup EXIT

SRC="$ROOT"
if [[ -n "$AT" ]]; then
  SRC="$WORK/src"
  rm -rf "$SRC"; mkdir -p "$SRC"
  (cd "$ROOT" && git archive "$AT") | tar -x -C "$SRC"
  ENGINE_VERSION="$(cd "$ROOT" && git rev-parse --short "$AT") (git archive, clean)"
else
  ENGINE_VERSION="$(cd "$ROOT" && git rev-parse --short HEAD)"
  [[ -z "$(cd "$ROOT" && git status --porcelain -- engine/src/main)" ]] \
    || ENGINE_VERSION="$ENGINE_VERSION + uncommitted changes in engine/src/main"
fi
if [[ -z "${ENGINE_CP:-}" ]]; then
  (cd "$SRC" && ./mvnw -q -o -pl engine -am compile)
  ENGINE_CP="$SRC/engine/target/classes:$(cd "$SRC" && ./mvnw -q -o -pl engine dependency:build-classpath \
    -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=runtime)"
else
  ENGINE_VERSION="classes from ENGINE_CP (working tree at $ENGINE_VERSION)"
fi
mkdir -p "$RUN/classes/bench"
IFS=: read -ra PARTS <<< "$ENGINE_CP"
CP=""
for p in "${PARTS[@]}"; do
  if [[ -d "$p" ]]; then
    d="$RUN/classes/$(basename "$(dirname "$p")")-$(basename "$p")"; cp -r "$p" "$d"; CP="$CP:$d"
  else
    CP="$CP:$p"
  fi
done
CP="${CP#:}"
if ! javac -nowarn -d "$RUN/classes/bench" --add-modules jdk.incubator.vector -cp "$CP" "$ROOT"/bench/engine/*.java \
    2> "$RUN/javac.log"; then
  cat "$RUN/javac.log" >&2; exit 1
fi
CP="$RUN/classes/bench:$CP"
JAVA=(java --add-modules jdk.incubator.vector -Xmx1g -cp "$CP")

{
  echo "# engine benchmark $(date -u +%FT%TZ), engine $ENGINE_VERSION"
  echo "# command: bench/engine/run.sh $([[ $QUICK == 1 ]] && echo --quick) --models $MODELS --dtypes $DTYPES" \
    "--threads $THREADS${AT:+ --at $AT}"
  echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), family $(grep -m1 'cpu family' /proc/cpuinfo \
    | cut -d: -f2 | xargs) model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs," \
    "$(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "# vector flags: $(grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx|avx2|fma|f16c|avx512.*|avx_vnni|amx.*)$' \
    | tr '\n' ' ')"
  echo "# java: $(java -version 2>&1 | head -1); niceness $(ps -o ni= $$ | xargs); load average $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$RUN/machine.txt"
echo "# Q8_0: the BF16 checkpoint quantized at load (llama.cpp block_q8_0, 34 bytes per 32 weights)" \
  | tee -a "$RUN/machine.txt"

# wait_quiet: on a shared machine, start a measurement when the others leave the CPUs alone (< 20 % busy over 3 s),
# or after WAIT_QUIET seconds anyway; the outcome goes to machine.txt
wait_quiet() {
  local waited=0 pct=0 a b
  while (( WAIT_QUIET > 0 )); do
    read -ra a < /proc/stat; sleep 3; read -ra b < /proc/stat
    local busy=$(( b[1]+b[2]+b[3]+b[6]+b[7]+b[8] - a[1]-a[2]-a[3]-a[6]-a[7]-a[8] ))
    local idle=$(( b[4]+b[5] - a[4]-a[5] ))
    pct=$(( 100 * busy / (busy + idle + 1) ))
    waited=$(( waited + 3 ))
    if (( pct < 20 )); then
      echo "# $(date -u +%T) $1: machine quiet ($pct % busy) after ${waited} s" | tee -a "$RUN/machine.txt"; return
    fi
    if (( waited >= WAIT_QUIET )); then
      echo "# $(date -u +%T) $1: machine still $pct % busy after ${waited} s, measuring anyway" | tee -a "$RUN/machine.txt"
      return
    fi
  done
}

wait_quiet "machine limits"
"${JAVA[@]}" MachineLimits "$RUN/limits.properties" $([[ $QUICK == 1 ]] && echo --quick)

TSV="$RUN/results.tsv"
: > "$TSV"
IFS=, read -ra MODEL_LIST <<< "$MODELS"
IFS=, read -ra DTYPE_LIST <<< "$DTYPES"
IFS=, read -ra THREAD_LIST <<< "$THREADS"
for model in "${MODEL_LIST[@]}"; do
  label=$(case "$model" in 1b) echo InternVL3-1B ;; 2b) echo InternVL3-2B ;; *) echo "$model" ;; esac)
  for dtype in "${DTYPE_LIST[@]}"; do
    stored=$dtype weights=as-stored
    [[ $dtype != Q8_0 ]] || { stored=BF16; weights=q8_0; }
    dir="$WORK/models/$model-$stored"
    if [[ ! -f "$dir/model.safetensors" ]]; then
      "${JAVA[@]}" GenerateModel "$dir" "$model" "$stored"
      t0=$(date +%s); sync -f "$dir/model.safetensors" 2>/dev/null || sync; echo "synced in $(( $(date +%s) - t0 )) s"
    fi
    for threads in "${THREAD_LIST[@]}"; do
      if [[ $QUICK == 1 ]]; then
        opts=(--vision-tiles 0 --vision-reps 1 --ttft-runs 1 --prefill 256 --contexts 256,1024 --decode-tokens 8)
      elif [[ $threads == 1 ]]; then
        # one thread: single runs (the 2B model prefills at ~15 tok/s) and no 13-tile image
        opts=(--vision-tiles 0 --vision-reps 1 --ttft-runs 1 --prefill 256,1024 --prefill-reps 1 --contexts 256,2048
          --decode-tokens 16)
      else
        opts=(--vision-tiles 0 --vision-reps 2 --ttft-runs 2 --prefill 256,1024 --prefill-reps 3 --contexts 256,2048
          --decode-tokens 32)
        # the 13-tile image once per run (about 13 × a tile: minutes): first model, first dtype. Both models have the
        # same InternViT-300M (their projectors differ by 2 GFLOP per tile)
        [[ $model != "${MODEL_LIST[0]}" || $dtype != "${DTYPE_LIST[0]}" ]] || opts[1]=13
      fi
      wait_quiet "$label $dtype ${threads}T"
      "${JAVA[@]}" EngineBench --model "$dir" --label "$label" --threads "$threads" \
        --limits "$RUN/limits.properties" --out "$TSV" --weights "$weights" "${opts[@]}"
    done
    # a BF16 checkpoint is kept while a later Q8_0 run still needs it
    [[ $KEEP == 1 || ( $stored == BF16 && ,$DTYPES, == *,Q8_0,* && $dtype != Q8_0 ) ]] || rm -rf "$dir"
  done
done
echo "# finished $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RUN/machine.txt"
"${JAVA[@]}" Report "$RUN/limits.properties" "$TSV" | tee "$RUN/report.md"
echo "results: $RUN"
