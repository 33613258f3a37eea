# Shared by deploy/local/* scripts. Sourced, not run.
# Every knob is an environment variable with a default; see deploy/README.md.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export JAVA_HOME=${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}
export PATH="$JAVA_HOME/bin:$PATH"

LOCAL_DIR=${VLMESH_LOCAL_DIR:-$ROOT/.local}
CACHE_DIR=$LOCAL_DIR/cache
RUN_DIR=$LOCAL_DIR/run
DATA_DIR=$LOCAL_DIR/data

export KAFKA_PORT=${KAFKA_PORT:-9092}
export KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
export S3_PORT=${S3_PORT:-9000}
export S3_ACCESS_KEY=${S3_ACCESS_KEY:-vlmesh}
export S3_SECRET_KEY=${S3_SECRET_KEY:-vlmesh-local-secret}
export KAFKA_BOOTSTRAP_SERVERS=${KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:$KAFKA_PORT}
export S3_ENDPOINT=${S3_ENDPOINT:-http://127.0.0.1:$S3_PORT}

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# pid_alive NAME: true when RUN_DIR/NAME.pid names a live process that we started.
pid_alive() {
  local f="$RUN_DIR/$1.pid"
  [[ -f $f ]] || return 1
  local pid; pid=$(cat "$f")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_port PORT SECONDS NAME PIDNAME: waits for a listening port while the process stays alive.
wait_port() {
  local port=$1 secs=$2 name=$3 pidname=$4 i
  for ((i = 0; i < secs * 10; i++)); do
    port_open "$port" && return 0
    pid_alive "$pidname" || die "$name exited while starting; see $RUN_DIR/$pidname.log"
    sleep 0.1
  done
  die "$name did not open port $port within ${secs}s; see $RUN_DIR/$pidname.log"
}

# stop_pid NAME: TERM, then KILL after a grace period; only the process whose pid we recorded.
stop_pid() {
  local name=$1 f="$RUN_DIR/$1.pid" pid i
  if ! pid_alive "$name"; then rm -f "$f"; return 0; fi
  pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$f"; log "stopped $name (pid $pid)"; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$f"
  log "killed $name (pid $pid) after 30s"
}

mvnw() { "$ROOT/mvnw" -B -q -Dstyle.color=never "$@"; }
