import { DriftlineError } from '../../libs/errors/errors.ts';

/**
 * Runs one ClickHouse call of the trainer and turns a failure into a
 * retriable CLICKHOUSE_UNAVAILABLE naming what was being done. The
 * trainer's queries are fixed and parameterized, so a failure means the
 * engine or the network, which a later attempt of the job may get past.
 */
export async function clickhouseCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    if (cause instanceof DriftlineError) throw cause;
    throw new DriftlineError('CLICKHOUSE_UNAVAILABLE', `ClickHouse failed while ${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { retriable: true, cause });
  }
}
