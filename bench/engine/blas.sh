#!/usr/bin/env bash
# OpenBLAS (org.bytedeco:openblas, its bundled libopenblas) against the engine's Java GEMM on the vision, prefill and
# decode shapes that matter — BlasVsJava.java; results and the decision in bench/engine/BLAS.md. About 5 minutes per
# OpenBLAS core type on a quiet 2-core machine (much longer under a foreign load).
#
#   bench/engine/blas.sh [--at REV] [--reps 7] [--threads 1,2] [--shapes all|vision,prefill,decode]
#                        [--coretypes LIST] [--limits FILE] [--wait-quiet S] [--model DIR]
#
#   --at REV       measure the engine as committed at REV (git archive, built in bench/.work/blas/src) instead of
#                  the working tree
#   --coretypes    one JVM per entry: `env` = OPENBLAS_CORETYPE as the environment has it, `unset` = removed
#                  (OpenBLAS detects the CPU), any other word = OPENBLAS_CORETYPE set to it (Haswell, Zen, ...).
#                  Default: `env`, then `unset` if the environment sets it, else `Haswell` (the value the issue
#                  reports these machines set)
#   --limits FILE  fp32 FMA peak from an earlier MachineLimits run instead of measuring it (MachineLimits --quick)
#   --wait-quiet S before each JVM, wait up to S seconds (default 0) for < 20 % of the CPUs to be busy
#   --model DIR    also the engine end to end on a checkpoint (written there by GenerateModel, InternVL3-1B shapes,
#                  bf16, 1.9 GB, if DIR has none; kept): vision per 448 tile and a
#                  256-token prefill with GemmBackend.JAVA vs OPENBLAS, alternating (--model-reps 3,
#                  --model-threads 2); needs an engine with the OpenBLAS backend. `--shapes none` skips the kernels
#
# ENGINE_CP=<classpath> skips the Maven build of the engine (as in run.sh); BENCH_OPTS adds JVM options.
# The OpenBLAS jars are copied from the local Maven repository into bench/.work/blas/lib (fetched from Maven Central
# the first time); JavaCPP extracts the natives into bench/.work/blas/javacpp. Under a foreign CPU load (a training
# job) run it as `nice -n 10 bench/engine/blas.sh ...`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
OPENBLAS_ARTIFACT="org.bytedeco:openblas:0.3.31-1.5.13"
AT="" REPS=7 THREADS="1,2" SHAPES="all" CORETYPES="" LIMITS="" WAIT_QUIET=0 MODEL="" MODEL_REPS=3 MODEL_THREADS=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --at) AT="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --shapes) SHAPES="$2"; shift 2 ;;
    --coretypes) CORETYPES="$2"; shift 2 ;;
    --limits) LIMITS="$2"; shift 2 ;;
    --wait-quiet) WAIT_QUIET="$2"; shift 2 ;;
    --model) MODEL="$2"; shift 2 ;;
    --model-reps) MODEL_REPS="$2"; shift 2 ;;
    --model-threads) MODEL_THREADS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ -z "$CORETYPES" ]]; then
  if [[ -n "${OPENBLAS_CORETYPE:-}" ]]; then CORETYPES="env,unset"; else CORETYPES="env,Haswell"; fi
fi
WORK="$ROOT/bench/.work/blas"
RUN="$WORK/run-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RUN/classes" "$WORK/lib"
cleanup() { rm -rf "$RUN/classes" "$WORK/src"; }
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
# private copy of the class folders: a `mvn clean` elsewhere in the checkout must not pull them away mid-run
IFS=: read -ra PARTS <<< "$ENGINE_CP"
ENGINE_CP=""
for p in "${PARTS[@]}"; do
  if [[ -d "$p" ]]; then
    d="$RUN/classes/$(basename "$(dirname "$p")")-$(basename "$p")"; cp -r "$p" "$d"; ENGINE_CP="$ENGINE_CP:$d"
  else
    ENGINE_CP="$ENGINE_CP:$p"
  fi
done
ENGINE_CP="${ENGINE_CP#:}"
# the engine's runtime class path has the OpenBLAS preset once the engine depends on it; before, copy it here
BLAS_CP=""
if [[ ":$ENGINE_CP:" != *"/openblas-"* ]]; then
  IFS=: read -r V_GROUP V_ARTIFACT V_VERSION <<< "$OPENBLAS_ARTIFACT"
  for a in "$OPENBLAS_ARTIFACT:jar" "$OPENBLAS_ARTIFACT:jar:linux-x86_64"; do
    [[ $a == *linux-x86_64 ]] && f="$V_ARTIFACT-$V_VERSION-linux-x86_64.jar" || f="$V_ARTIFACT-$V_VERSION.jar"
    [[ -f "$WORK/lib/$f" ]] && continue
    (cd "$ROOT" && { ./mvnw -q -o dependency:copy -Dartifact="$a" -DoutputDirectory="$WORK/lib" 2>/dev/null \
      || ./mvnw -q dependency:copy -Dartifact="$a" -DoutputDirectory="$WORK/lib"; })
  done
  BLAS_CP="$WORK/lib/$V_ARTIFACT-$V_VERSION.jar:$WORK/lib/$V_ARTIFACT-$V_VERSION-linux-x86_64.jar"
fi
CP="$ENGINE_CP${BLAS_CP:+:$BLAS_CP}"
javac -nowarn -d "$RUN/classes/bench" --add-modules jdk.incubator.vector -cp "$CP" \
  "$ROOT"/bench/engine/BlasVsJava.java "$ROOT"/bench/engine/MachineLimits.java "$ROOT"/bench/engine/HostLoad.java \
  "$ROOT"/bench/engine/GenerateModel.java
CP="$RUN/classes/bench:$CP"
JAVA=(java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx1g -Dorg.bytedeco.javacpp.cachedir="$WORK/javacpp" ${BENCH_OPTS:-} -cp "$CP")

wait_quiet() {
  local waited=0 pct=0 a b
  while (( WAIT_QUIET > 0 )); do
    read -ra a < /proc/stat; sleep 3; read -ra b < /proc/stat
    local busy=$(( b[1]+b[2]+b[3]+b[6]+b[7]+b[8] - a[1]-a[2]-a[3]-a[6]-a[7]-a[8] ))
    local idle=$(( b[4]+b[5] - a[4]-a[5] ))
    pct=$(( 100 * busy / (busy + idle + 1) ))
    waited=$(( waited + 3 ))
    if (( pct < 20 )) || (( waited >= WAIT_QUIET )); then
      echo "# $(date -u +%T) $1: $pct % busy after ${waited} s" | tee -a "$RUN/machine.txt"; return
    fi
  done
}

{
  echo "# BLAS vs Java GEMM $(date -u +%FT%TZ), engine $ENGINE_VERSION, $OPENBLAS_ARTIFACT (linux-x86_64)"
  echo "# command: bench/engine/blas.sh${AT:+ --at $AT} --reps $REPS --threads $THREADS --shapes $SHAPES" \
    "--coretypes $CORETYPES${LIMITS:+ --limits $LIMITS}${MODEL:+ --model $MODEL --model-reps $MODEL_REPS}" \
    "${MODEL:+--model-threads $MODEL_THREADS}"
  echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), family $(grep -m1 'cpu family' /proc/cpuinfo \
    | cut -d: -f2 | xargs) model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs"
  echo "# vector flags: $(grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx|avx2|fma|f16c|avx512.*|avx_vnni|amx.*)$' \
    | tr '\n' ' ')"
  echo "# java: $(java -version 2>&1 | head -1); niceness $(ps -o ni= $$ | xargs); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# OPENBLAS_CORETYPE in the environment: ${OPENBLAS_CORETYPE-(unset)}"
} | tee "$RUN/machine.txt"

if [[ -n "$MODEL" && ! -f "$MODEL/model.safetensors" ]]; then
  # random weights of InternVL3-1B's shapes (InternViT-300M + Qwen2.5-0.5B), bf16, 1.9 GB; kept for the next run
  "${JAVA[@]}" GenerateModel "$MODEL" 1b BF16
fi
if [[ -z "$LIMITS" ]]; then
  wait_quiet "machine limits"
  LIMITS="$RUN/limits.properties"
  "${JAVA[@]}" MachineLimits "$LIMITS" --quick
fi
IFS=, read -ra CT_LIST <<< "$CORETYPES"
for ct in "${CT_LIST[@]}"; do
  wait_quiet "coretype $ct"
  case "$ct" in
    env) ENVCMD=(env) ;;
    unset) ENVCMD=(env -u OPENBLAS_CORETYPE) ;;
    *) ENVCMD=(env OPENBLAS_CORETYPE="$ct") ;;
  esac
  echo "# $(date -u +%T) run '$ct': ${ENVCMD[*]} java ... BlasVsJava, load average $(cut -d' ' -f1-3 /proc/loadavg)" \
    | tee -a "$RUN/machine.txt"
  if [[ $SHAPES != none ]]; then
    "${ENVCMD[@]}" "${JAVA[@]}" BlasVsJava --limits "$LIMITS" --reps "$REPS" --threads "$THREADS" --shapes "$SHAPES" \
      --out "$RUN/blas-$ct.tsv" | tee "$RUN/blas-$ct.txt"
  fi
  if [[ -n "$MODEL" ]]; then
    "${ENVCMD[@]}" "${JAVA[@]}" BlasVsJava --limits "$LIMITS" --reps "$MODEL_REPS" --threads "$MODEL_THREADS" \
      --model "$MODEL" --out "$RUN/model-$ct.tsv" | tee "$RUN/model-$ct.txt"
  fi
done
echo "# finished $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RUN/machine.txt"
echo "results: $RUN"
