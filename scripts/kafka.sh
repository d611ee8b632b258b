#!/usr/bin/env bash
# A real, single-node Apache Kafka 3.9.1 broker (KRaft, broker+controller in
# one JVM) for development and tests, assembled from Maven Central.
#
#   scripts/kafka.sh start    assemble jars if needed, format storage once, start, wait until it answers
#   scripts/kafka.sh stop     stop the broker this script started (SIGTERM, then SIGKILL after 30 s)
#   scripts/kafka.sh status   exit 0 when a broker answers on the port
#   scripts/kafka.sh assemble fetch the jars only
#
# Environment:
#   KAFKA_PORT             client listener port            (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port           (default KAFKA_PORT+1)
#   KAFKA_HEAP             JVM heap                        (default 512m)
#   KAFKA_DATA_DIR         log dirs, pid and server.log    (default <repo>/.driftline/kafka-<port>)
#   DRIFTLINE_CACHE        jar cache, reused across runs   (default ~/.cache/driftline)
#
# Idempotent: `start` reuses a broker already answering on KAFKA_PORT, and the
# jar cache is filled once (written to a temp dir, then renamed into place).
set -euo pipefail

KAFKA_VERSION=3.9.1
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
port="${KAFKA_PORT:-9092}"
cport="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
heap="${KAFKA_HEAP:-512m}"
cache="${DRIFTLINE_CACHE:-$HOME/.cache/driftline}/kafka-$KAFKA_VERSION"
data="${KAFKA_DATA_DIR:-$repo/.driftline/kafka-$port}"

log() { printf '[kafka] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

assemble() {
  if [[ -f "$cache/libs/.complete" ]]; then return 0; fi
  command -v mvn >/dev/null || { log "mvn not found: install Maven (apt-get install maven)"; exit 1; }
  log "assembling Kafka $KAFKA_VERSION from Maven Central into $cache/libs"
  local tmp="$cache/libs.tmp.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  mvn -B -q -ntp -f "$here/kafka/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp"
  touch "$tmp/.complete"
  rm -rf "$cache/libs" && mv "$tmp" "$cache/libs"
  log "assembled $(ls "$cache/libs" | wc -l) jars"
}

write_config() {
  mkdir -p "$data/logs" "$data/log"
  cat >"$data/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data/logs
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
log.retention.hours=24
log.segment.bytes=104857600
# The log cleaner allocates its dedupe map (default 128 MiB) on the heap at startup: with a small KAFKA_HEAP
# (256m in the broker-restart test) a restart that also recovers logs died of OutOfMemoryError. Only the
# internal offsets and transaction topics are compacted here; 32 MiB maps ~1.2M keys per cleaning pass.
log.cleaner.dedupe.buffer.size=33554432
EOF
}

java_cmd() {
  java -Xms128m -Xmx"$heap" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dkafka.logs.dir="$data/log" -Dlog4j.configuration="file:$here/kafka/log4j.properties" \
    -cp "$cache/libs/*" "$@"
}

start() {
  if port_open "$port"; then log "reusing the broker already answering on 127.0.0.1:$port"; return 0; fi
  assemble
  write_config
  if [[ ! -f "$data/logs/meta.properties" ]]; then
    local id
    id="$(node -e 'const b=require("crypto").randomBytes(16);b[6]=(b[6]&0x0f)|0x40;b[8]=(b[8]&0x3f)|0x80;console.log(b.toString("base64url"))')"
    log "formatting KRaft storage in $data/logs (cluster id $id)"
    java_cmd kafka.tools.StorageTool format -t "$id" -c "$data/server.properties" --ignore-formatted >"$data/log/format.log" 2>&1 \
      || { cat "$data/log/format.log" >&2; exit 1; }
  fi
  log "starting broker on 127.0.0.1:$port (controller $cport, heap $heap)"
  local t0=$SECONDS
  # setsid: the broker outlives this shell and gets no SIGINT meant for it.
  setsid nohup java -Xms128m -Xmx"$heap" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dkafka.logs.dir="$data/log" -Dlog4j.configuration="file:$here/kafka/log4j.properties" \
    -cp "$cache/libs/*" kafka.Kafka "$data/server.properties" \
    >"$data/log/stdout.log" 2>&1 </dev/null &
  echo $! >"$data/kafka.pid"
  for _ in $(seq 1 240); do
    if ! kill -0 "$(cat "$data/kafka.pid")" 2>/dev/null; then
      log "broker exited during start; last lines of its logs:"; tail -n 40 "$data/log/stdout.log" "$data/log/server.log" >&2 2>/dev/null || true; exit 1
    fi
    if port_open "$port" && grep -q "Transition from STARTING to STARTED" "$data/log/server.log" 2>/dev/null; then
      log "broker ready in $((SECONDS - t0)) s (pid $(cat "$data/kafka.pid"))"; return 0
    fi
    sleep 0.5
  done
  log "broker did not answer within 120 s"; exit 1
}

stop() {
  local pidfile="$data/kafka.pid"
  if [[ ! -f "$pidfile" ]]; then log "no broker started by this script on port $port"; return 0; fi
  local pid; pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping broker (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then log "broker ignored SIGTERM for 30 s: killing"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) port_open "$port" && log "broker answers on 127.0.0.1:$port" || { log "no broker on 127.0.0.1:$port"; exit 1; } ;;
  assemble) assemble ;;
  reset) stop; rm -rf "$data"; log "removed $data" ;;
  *) echo "usage: $0 start|stop|status|assemble|reset" >&2; exit 2 ;;
esac
