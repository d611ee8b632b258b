import type { ClickHouseClient } from '../clickhouse/client.ts';
import { messageOf } from '../errors/errors.ts';
import { settledWithin } from '../lifecycle/deadline.ts';

/**
 * A readiness check: resolves when the dependency can serve, throws (or
 * resolves `false`) when it cannot. Checks run in parallel on every probe,
 * each under a timeout.
 */
export type ReadinessCheck = () => Promise<unknown>;

export interface ReadinessReport {
  ready: boolean;
  /** 'ok' or why the check failed, per check name. */
  checks: Record<string, string>;
}

/** Runs every check (in parallel, each bounded by `timeoutMs`) and reports which failed and why. */
export async function runReadinessChecks(checks: Record<string, ReadinessCheck>, timeoutMs = 2_000): Promise<ReadinessReport> {
  const entries = Object.entries(checks);
  const results = await Promise.all(
    entries.map(async ([name, check]): Promise<[string, string]> => {
      const answer = Promise.resolve().then(check);
      try {
        if (!(await settledWithin(answer, timeoutMs))) return [name, `no answer within ${timeoutMs} ms`];
        return [name, (await answer) === false ? 'not ready' : 'ok'];
      } catch (err) {
        return [name, messageOf(err)];
      }
    }),
  );
  return { ready: results.every(([, state]) => state === 'ok'), checks: Object.fromEntries(results) };
}

/** A check that ClickHouse answers `SELECT 1`. */
export function clickhouseCheck(client: Pick<ClickHouseClient, 'query'>): ReadinessCheck {
  return async () => {
    const result = await client.query({ query: 'SELECT 1 AS ok', format: 'JSONEachRow' });
    await result.json();
  };
}
