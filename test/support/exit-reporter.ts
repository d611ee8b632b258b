/**
 * A node:test reporter beside `spec` (scripts/test.sh): it records how each
 * failing test file's PROCESS ended, which the spec reporter does not print
 * (a file whose process exits non-zero with no failing test shows only
 * 'test failed').
 *
 * Why: once in ~25 CI runs a test file's process ended badly after every
 * one of its tests had passed (feedback-join.test.ts: 7 of 7 passed, then
 * 'test failed', no exit code or signal shown); ~200 runs of that file here
 * (alone, in pairs, under CPU load) never did it again. The embedded
 * ClickHouse engine (chDB) has known rare crashes while a process exits with
 * its thread pools still running (chdb-io/chdb-core#177, #181). With this
 * record scripts/test.sh tells a death by signal (a native crash: no code of
 * ours signals its own process) from a failure of ours, and the next such
 * failure says how the process ended.
 *
 * Appends one JSON line per failure, synchronously (--test-force-exit ends
 * the runner's process before a reporter's stream is flushed), to the file
 * named by DRIFTLINE_TEST_EXITS: `{ "died": { file, signal, exitCode } }` for
 * a file whose process was killed by a signal while none of its tests had
 * failed, `{ "failed": name }` for every other failure (a test, a hook, a
 * non-zero exit). Prints nothing itself.
 */
import { appendFileSync } from 'node:fs';
import type { TestEvent } from 'node:test/reporters';

export type ExitRecord = { died: { file: string; signal: string; exitCode: number | null } } | { failed: string };

interface FileFailure {
  code?: string;
  failureType?: string;
  signal?: string | null;
  exitCode?: number | null;
}

/** What one `test:fail` event says of its file (exported for its unit test). */
export function classifyFailure(event: { name: string; file?: string | undefined; error: unknown }): ExitRecord {
  const error = event.error as FileFailure | undefined;
  // A file's own failure: node:test's ERR_TEST_FAILURE 'testCodeFailure' (its process ended badly while no
  // test of it failed; 'subtestsFailed' when one did), with the process's exit code and signal.
  const ofProcess = error?.code === 'ERR_TEST_FAILURE' && error.failureType === 'testCodeFailure' && event.file !== undefined && event.name === event.file;
  if (ofProcess && typeof error.signal === 'string') return { died: { file: event.file!, signal: error.signal, exitCode: error.exitCode ?? null } };
  const how = ofProcess ? ` (process exit code ${String(error.exitCode)})` : '';
  return { failed: `${event.file ?? '?'}: ${event.name}${how}` };
}

export default async function* exitReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const path = process.env.DRIFTLINE_TEST_EXITS;
  for await (const event of source) {
    if (event.type !== 'test:fail' || !path) continue;
    const record = classifyFailure({ name: event.data.name, file: event.data.file, error: event.data.details.error });
    appendFileSync(path, `${JSON.stringify(record)}\n`);
  }
  yield* [];
}
