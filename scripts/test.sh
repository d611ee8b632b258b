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
run_files() {
  node --import tsx --test --test-concurrency=2 --test-timeout=600000 --test-force-exit \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=./test/support/exit-reporter.mjs --test-reporter-destination=stderr "$@"
}
DRIFTLINE_TEST_EXITS=$(mktemp)
export DRIFTLINE_TEST_EXITS
rc=0
run_files "${files[@]}" || rc=$?
[[ $rc == 0 ]] && exit 0

# How the failing files' processes ended (test/support/exit-reporter.ts). A file whose process was killed by a
# signal while none of its tests failed is run once more, alone, and must then pass in full: a rare crash of the
# embedded engine while a process exits (see the reporter). Any other failure fails the run as it is.
mapfile -t died < <(node -e '
  const records = require("node:fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const died = records.filter((r) => r.died).map((r) => r.died);
  const failed = records.filter((r) => r.failed !== undefined).map((r) => r.failed);
  for (const d of died) console.error(`[test] ${d.file}: its process died of ${d.signal} (exit code ${d.exitCode}) with none of its tests failing`);
  for (const f of failed) console.error(`[test] failed: ${f}`);
  if (failed.length === 0) for (const d of died) console.log(d.file);
' "$DRIFTLINE_TEST_EXITS")
if [[ ${#died[@]} -eq 0 ]]; then exit "$rc"; fi
echo "[test] running ${#died[@]} file(s) once more after a death by signal: ${died[*]}"
: >"$DRIFTLINE_TEST_EXITS"
run_files "${died[@]}"
