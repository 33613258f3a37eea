#!/usr/bin/env bash
# Conversion memory and speed benchmark (issue 5). HEAVY: writes a ~16 GB InternVL3-8B-shaped checkpoint and moves
# ~50 GB through the disk. Run once, on a quiet machine if possible; everything generated is deleted at the end.
#
#   bench/convert/run.sh [--llm-layers N] [--tp N --llm-pp '[[..]]' --vit-pp '[[..]]']
#
# 1. generates the source (bf16, original OpenGVLab layout, 4 files + index) under bench/.work/convert/
# 2. measures the disk: O_DIRECT sequential write and read (dd, 4 GiB), and a cold-cache buffered copy of the
#    source's largest file with fsync (dd) — the reference for "sequential disk bandwidth": converting is, in bytes,
#    a copy (every source byte read once, written once)
# 3. evicts the source from the page cache (dd iflag=nocache count=0, i.e. posix_fadvise DONTNEED)
# 4. converts twice with /usr/bin/time -v (peak RSS, CPU time), cold cache each time: with the source's per-file
#    SHA-256 already known (--source-sums: the service hashes while downloading), and as the plain CLI, which first
#    hashes the source in a sequential pass of its own
# 5. prints peak RSS against 1 GiB + the largest tensor, throughput against the copy bandwidth, CPU ns per byte
#    (the machine is shared: the load average and CPU pressure at the time are printed too)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"
LLM_LAYERS=28 TP=1 LLM_PP='[[6,8,8,6]]' VIT_PP='[[24,0,0,0]]'
while [[ $# -gt 0 ]]; do
  case "$1" in
    --llm-layers) LLM_LAYERS="$2"; shift 2 ;;
    --tp) TP="$2"; shift 2 ;;
    --llm-pp) LLM_PP="$2"; shift 2 ;;
    --vit-pp) VIT_PP="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
WORK="$ROOT/bench/.work/convert"
SRC="$WORK/src" OUT="$WORK/mm"
trap 'rm -rf "$WORK"' EXIT
rm -rf "$WORK"; mkdir -p "$WORK"
# CONVERT_CP: a classpath with the engine's classes and Jackson, to skip the Maven build
if [[ -z "${CONVERT_CP:-}" ]]; then
  (cd "$ROOT" && ./mvnw -q -o -pl engine -am install -DskipTests)
  CONVERT_CP="$ROOT/engine/target/classes:$(cd "$ROOT" && ./mvnw -q -o -pl engine dependency:build-classpath \
    -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=runtime)"
fi
# a private copy: other builds in the same checkout may clean engine/target while the benchmark runs
mkdir -p "$WORK/classes"
IFS=: read -ra PARTS <<< "$CONVERT_CP"
CP=""
for p in "${PARTS[@]}"; do
  if [[ -d "$p" ]]; then
    d="$WORK/classes/$(basename "$(dirname "$p")")-$(basename "$p")"; cp -r "$p" "$d"; CP="$CP:$d"
  else
    CP="$CP:$p"
  fi
done
CP="${CP#:}"
secs() { date +%s.%N; }

echo "== machine"; nproc; free -g | head -2; uptime
echo "== generating the source (per-file SHA-256 recorded while writing, as a download records them)"
t0=$(secs); "$JAVA" "$ROOT/bench/convert/GenerateCheckpoint.java" "$SRC" --llm-layers "$LLM_LAYERS" --files 4 \
  --sums "$WORK/SHA256SUMS"
echo "generated in $(echo "$(secs) - $t0" | bc) s"
SRC_BYTES=$(du -cb "$SRC"/*.safetensors | tail -1 | cut -f1)

echo "== disk: O_DIRECT sequential write / read of 4 GiB"
W=$(dd if=/dev/zero of="$WORK/dd" bs=64M count=64 oflag=direct 2>&1 | tail -1); echo "write: $W"
R=$(dd if="$WORK/dd" of=/dev/null bs=64M iflag=direct 2>&1 | tail -1); echo "read:  $R"
rm -f "$WORK/dd"
BIG=$(ls -S "$SRC"/*.safetensors | head -1)
dd if="$BIG" iflag=nocache count=0 status=none
echo "== disk: cold-cache buffered copy of $(basename "$BIG") with fsync (the reference bandwidth)"
t0=$(secs); /usr/bin/time -f "%U %S" -o "$WORK/ddcpu" dd if="$BIG" of="$WORK/copy" bs=64M conv=fsync status=none
t1=$(secs)
COPY_BYTES=$(stat -c %s "$BIG")
COPY_BPS=$(echo "$COPY_BYTES / ($t1 - $t0)" | bc)
echo "copy: $COPY_BYTES bytes in $(echo "$t1 - $t0" | bc) s = $((COPY_BPS / 1000000)) MB/s;" \
  "CPU $(awk '{printf "%.2f", ($1 + $2) / '"$COPY_BYTES"' * 1e9}' "$WORK/ddcpu") ns/byte"
rm -f "$WORK/copy"
LARGEST=$((151674 * 3584 * 2))

# convert NAME EXTRA_ARGS...: cold cache, /usr/bin/time -v, result line
convert() {
  local name="$1"; shift
  for f in "$SRC"/*; do dd if="$f" iflag=nocache count=0 status=none; done
  rm -rf "$OUT"
  local cmd=("$JAVA" -Xmx256m --add-modules jdk.incubator.vector -cp "$CP" dev.vlmesh.engine.convert.ConvertMain
    hf-to-mm --src "$SRC" --out "$OUT" --tp "$TP" --llm-pp "$LLM_PP" --vit-pp "$VIT_PP" --quiet "$@")
  echo "== $name: /usr/bin/time -v java -Xmx256m --add-modules jdk.incubator.vector -cp <engine + jackson>" \
    "dev.vlmesh.engine.convert.ConvertMain hf-to-mm --src SRC --out OUT --tp $TP --llm-pp '$LLM_PP'" \
    "--vit-pp '$VIT_PP' --quiet $*"
  echo "   load before: $(cut -d' ' -f1-3 /proc/loadavg); cpu pressure: $(head -1 /proc/pressure/cpu 2>/dev/null)"
  local t0 t1; t0=$(secs)
  if ! /usr/bin/time -v "${cmd[@]}" 2> "$WORK/time.txt"; then cat "$WORK/time.txt" >&2; exit 1; fi
  t1=$(secs)
  grep -E "Maximum resident|Elapsed|Percent of CPU|User time|System time" "$WORK/time.txt" | sed 's/^\s*/   /'
  local rss_kb user sys s bps
  rss_kb=$(grep "Maximum resident" "$WORK/time.txt" | awk '{print $NF}')
  user=$(grep "User time" "$WORK/time.txt" | awk '{print $NF}')
  sys=$(grep "System time" "$WORK/time.txt" | awk '{print $NF}')
  s=$(echo "$t1 - $t0" | bc)
  bps=$(echo "$SRC_BYTES / $s" | bc)
  echo "   RESULT $name: $SRC_BYTES bytes in $s s = $((bps / 1000000)) MB/s; copy reference $((COPY_BPS / 1000000))" \
    "MB/s; ratio $(echo "scale=3; $bps / $COPY_BPS" | bc); CPU $(echo "scale=2; ($user + $sys) * 1000000000 / $SRC_BYTES" \
    | bc) ns/byte; peak RSS $((rss_kb / 1024)) MiB (budget $(( (1073741824 + LARGEST) / 1048576 )) MiB)"
  echo "   load after: $(cut -d' ' -f1-3 /proc/loadavg); cpu pressure: $(head -1 /proc/pressure/cpu 2>/dev/null)"
}

echo "== converting $SRC_BYTES bytes: tp $TP, llm $LLM_PP, vit $VIT_PP"
convert "known source digest (the service's path)" --source-sums "$WORK/SHA256SUMS"
convert "source digest computed by the converter (CLI default)"
