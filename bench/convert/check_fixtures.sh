#!/usr/bin/env bash
# Converts every reference fixture (both layouts) under a matrix of parallel configs with --torch-format and checks
# each result with check_mindspeed.py (an independent torch re-derivation of mm-convert's rules, and
# torch.load(weights_only=True) of every model_optim_rng.pt). Needs tools/.venv and a built engine
# (./mvnw -q -o -pl engine -am install -DskipTests). Output goes to bench/.work/check-fixtures (ignored).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"
PY="$ROOT/tools/.venv/bin/python"
FIX="$ROOT/engine/src/test/resources/fixtures/models"
WORK="$ROOT/bench/.work/check-fixtures"
CP="$ROOT/engine/target/classes:$(cd "$ROOT" && ./mvnw -q -o -pl engine dependency:build-classpath \
  -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=runtime)"
rm -rf "$WORK"; mkdir -p "$WORK"
n=0
# model layout tp llm_pp vit_pp [extra]
while read -r model layout tp llm vit extra; do
  n=$((n + 1))
  out="$WORK/$n-$model-$layout"
  "$JAVA" --add-modules jdk.incubator.vector -cp "$CP" dev.vlmesh.engine.convert.ConvertMain hf-to-mm \
    --src "$FIX/$model/$layout" --out "$out" --tp "$tp" --llm-pp "$llm" --vit-pp "$vit" --torch-format --quiet \
    $extra 2>/dev/null | tail -1 | cut -c1-60
  "$PY" "$ROOT/bench/convert/check_mindspeed.py" --hf "$FIX/$model/$layout" --mm "$out"
done <<'MATRIX'
a-vit300m-qwen25 hf 1 [[4]] [[2]]
a-vit300m-qwen25 original 1 [[1,1,1,1]] [[2,0,0,0]]
a-vit300m-qwen25 hf 1 [[1,0],[1,2]] [[1,0],[1,0]]
b-vit6b-qwen25 hf 2 [[1,1,1,1]] [[3,0,0,0]]
b-vit6b-qwen25 original 2 [[0,2,2]] [[0,3,0]] --force-zip64
b-vit6b-qwen25 original 2 [[1],[1],[2]] [[0],[3],[0]]
c-vit300m-qwen25-224-sharded hf 2 [[2,2]] [[2,0]]
c-vit300m-qwen25-224-sharded original 2 [[1,1],[1,1]] [[1,0],[1,0]]
MATRIX
rm -rf "$WORK"
echo "all $n conversions match the mm-convert rules and load with torch.load(weights_only=True)"
