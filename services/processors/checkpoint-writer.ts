import type { Consumer } from 'kafkajs';
import { insertTabSeparated, type ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { DriftlineError, messageOf } from '../../libs/errors/errors.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { CHUNK_COLUMNS } from './chunk-tsv.ts';
import type { PartitionRun } from './partition-run.ts';

/** A partition's checkpoint, encoded: its chunk rows, its checkpoint row, and the last offset it covers. */
export interface ReadyCheckpoint {
  run: PartitionRun;
  offset: number;
  /** The chunk rows (TabSeparated) and how many. */
  chunks: { body: string; rows: number };
  checkpointRow: string;
}

export interface CheckpointWriterOptions {
  clickhouse: ClickHouseClient;
  topic: string;
  logger: Logger;
  stats: { checkpoints: number; checkpointFailures: number };
  clock: () => number;
  /** The consumer whose offsets are committed (undefined before start: nothing to commit). */
  consumer: () => Consumer | undefined;
  onCheckpoint?: ((seconds: number, rows: number) => void) | undefined;
  afterCheckpointInsert?: ((partition: number) => Promise<void> | void) | undefined;
}

interface Queued extends ReadyCheckpoint {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Writes checkpoints with group commit: those ready while an insert runs
 * (or in the same task: the states of one encoder message) go as ONE
 * insert, chunks and checkpoint rows in one part, visible together; then
 * their offsets are committed, together. The embedded engine spends
 * ~20-30 ms per insert however small, and each makes a part to merge: the
 * end of a catch-up (every partition's backlog ends within a fetch or two)
 * and drain() otherwise wrote six inserts side by side (processors
 * benchmark: wall 0.94x, 8 paired passes). A failed insert leaves each of
 * its partitions its rows (`pending`) to retry on its own.
 */
export function createCheckpointWriter(options: CheckpointWriterOptions) {
  const { stats } = options;
  let queue: Queued[] = [];
  let writing = false;

  async function writeQueued(): Promise<void> {
    while (queue.length > 0) {
      const group = queue;
      queue = [];
      try {
        await insertAndCommit(group);
        for (const item of group) item.resolve();
      } catch (err) {
        for (const item of group) item.reject(err);
      }
    }
    writing = false;
  }

  async function insertAndCommit(items: readonly ReadyCheckpoint[]): Promise<void> {
    let body = '';
    let rows = 0;
    for (const { chunks, checkpointRow } of items) {
      body += chunks.body + checkpointRow;
      rows += chunks.rows + 1;
    }
    const partitions = items.map((item) => item.run.partition).join(', ');
    const t0 = performance.now();
    try {
      await insertTabSeparated(options.clickhouse, {
        table: 'processor_chunks',
        columns: CHUNK_COLUMNS,
        body,
        // One block → one part → chunks and checkpoints become visible together.
        settings: { input_format_parallel_parsing: 0, max_insert_block_size: '100000000', async_insert: 0 },
      });
    } catch (err) {
      for (const item of items) item.run.pending = item.chunks;
      stats.checkpointFailures++;
      options.logger.warn({ partitions, err: messageOf(err), pendingRows: rows - items.length }, 'checkpoint insert failed; will retry');
      throw new DriftlineError('CLICKHOUSE_UNAVAILABLE', `checkpoint of partition ${partitions} failed: ${messageOf(err)}`, { retriable: true, cause: err });
    }
    options.onCheckpoint?.((performance.now() - t0) / 1000, rows);
    for (const { run, offset } of items) {
      run.checkpointOffset = offset;
      run.lastCheckpointAt = options.clock();
      stats.checkpoints++;
      await options.afterCheckpointInsert?.(run.partition);
    }
    try {
      await options.consumer()?.commitOffsets(items.map(({ run, offset }) => ({ topic: options.topic, partition: run.partition, offset: String(offset + 1) })));
    } catch (err) {
      // The checkpoints are durable; a replay of these offsets will be skipped.
      options.logger.warn({ partitions, err: messageOf(err) }, 'offset commit failed after checkpoint');
    }
  }

  return {
    /** Inserts the checkpoint (with any others ready at the same time) and commits its offset; rejects if the insert failed. */
    write(checkpoint: ReadyCheckpoint): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        queue.push({ ...checkpoint, resolve, reject });
        if (!writing) {
          writing = true;
          // After the current task: the checkpoints whose states came back in one encoder message all join.
          setImmediate(() => void writeQueued());
        }
      });
    },
  };
}
