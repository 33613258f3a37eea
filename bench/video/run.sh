#!/usr/bin/env bash
# Video segment mode: time to the first window's answer for a 10-second and a 10-minute clip, and memory (issue 10).
#
#   bench/video/run.sh [MODEL_DIR]      (default: the engine's fixture model a-vit300m-qwen25)
#   BENCH_OPTS="-Dbench.reps=5 -Dbench.budgetMs=8000" bench/video/run.sh
#
# Generates the clips (320x240, 10 fps, H.264 via the ffmpeg program in the FFmpeg natives jar) into
# bench/.work/video/ (ignored; kept between runs), starts an infer worker in this JVM on a fresh namespace of the
# local stack (Kafka 127.0.0.1:9092 + S3 127.0.0.1:9000, which must be running: deploy/local/up), submits
# segment-mode jobs and times their events on arrival. The heap is capped (-Xmx512m) so frames or answers piling up
# would end in an OutOfMemoryError rather than pass unnoticed.
#
# VIDEO_BENCH_CP=<classpath> skips the Maven build (infer-service with its test-scope dependencies: the engine's
# and events' test jars provide TestClips and TestStack). Either way the classes are copied into the work folder
# first, so a `mvn clean` elsewhere in the checkout cannot pull them away mid-run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
WORK="$ROOT/bench/.work/video"
cd "$ROOT"
if [[ -z "${VIDEO_BENCH_CP:-}" ]]; then
  ./mvnw -q -o -pl infer-service -am install -DskipTests
  VIDEO_BENCH_CP="$ROOT/infer-service/target/classes:$(./mvnw -q -o -pl infer-service dependency:build-classpath \
    -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)"
fi
rm -rf "$WORK/classes"; mkdir -p "$WORK/classes"
IFS=: read -ra PARTS <<< "$VIDEO_BENCH_CP"
CP=""
for p in "${PARTS[@]}"; do
  [[ -z "$p" ]] && continue
  if [[ -d "$p" ]]; then
    d="$WORK/classes/$(basename "$(dirname "$p")")-$(basename "$p")"; cp -r "$p" "$d"; CP="$CP:$d"
  elif [[ "$p" == */dev/vlmesh/* ]]; then
    # the project's own jars are reinstalled by other builds; third-party jars in ~/.m2 do not change
    cp "$p" "$WORK/classes/"; CP="$CP:$WORK/classes/$(basename "$p")"
  else
    CP="$CP:$p"
  fi
done
CP="${CP#:}"
echo "# $(date -u +%FT%TZ) load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs," \
  "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), commit $(git rev-parse --short HEAD)"
# the worker's log goes to a file so the tables stay readable; on failure its end is shown
echo "# worker log: $WORK/worker.log"
# shellcheck disable=SC2086
if ! java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx512m ${BENCH_OPTS:-} \
  -Dvlmesh.repo.root="$ROOT" -cp "$CP" "$ROOT/bench/video/SegmentLatency.java" "$@" 2> "$WORK/worker.log"; then
  tail -30 "$WORK/worker.log" >&2
  exit 1
fi
echo "# $(date -u +%FT%TZ) load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
