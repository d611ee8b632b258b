#!/usr/bin/env bash
# The whole test suite: typecheck, then unit, integration and end-to-end tests
# against the real Kafka broker (started here, stopped again if we started
# it), the embedded ClickHouse engine, and Redis (started if none answers).
#
#   npm test                      everything
#   npm test -- test/integration  only files under the given paths
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export KAFKA_PORT="${KAFKA_PORT:-9092}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:$KAFKA_PORT}"
export KAFKAJS_NO_PARTITIONER_WARNING=1

started_kafka=0
if ! bash scripts/kafka.sh status 2>/dev/null; then
  t0=$SECONDS
  bash scripts/kafka.sh start
  started_kafka=1
  echo "[test] broker up in $((SECONDS - t0)) s"
fi
cleanup() { if [[ $started_kafka == 1 ]]; then bash scripts/kafka.sh stop || true; fi; }
trap cleanup EXIT

if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  echo "[test] starting redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 0.1; done
fi

# Headless Chromium for the HTML drift report's browser test (installed when missing).
bash scripts/ensure-chromium.sh || echo "[test] no chromium: test/integration/drift-report-browser.test.ts will fail"

echo "[test] typecheck"
npx tsc --noEmit -p .

roots=("$@")
if [[ ${#roots[@]} -eq 0 ]]; then roots=(libs services simulators dashboards test); fi
mapfile -t files < <(find "${roots[@]}" -name '*.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort)
echo "[test] ${#files[@]} test files"
# Each file runs in its own process (chDB binds one data directory per process). --test-force-exit ends a
# file's process once its tests and hooks are done: a handle left open (a client still retrying against a
# broker a failed test left down) otherwise kept it alive past every timeout, holding the whole run.
node --import tsx --test --test-reporter=spec --test-concurrency=2 --test-timeout=600000 --test-force-exit "${files[@]}"
