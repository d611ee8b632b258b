/**
 * Per-partition bookkeeping for a consumer that commits only durable work.
 *
 * - `stored`: the highest offset already in ClickHouse when this process first
 *   saw the partition (loaded once per assignment). Offsets at or below it are
 *   replays after a crash between insert and commit, and are skipped.
 * - `accepted`: the highest offset this process has taken responsibility for
 *   (buffered for insert, dead-lettered, or skipped as a replay).
 *
 * The commit position of a partition is the smallest offset still not
 * durable (buffered or being inserted), or accepted + 1 when nothing is.
 */
export type PartitionKey = `${string}\u0000${number}`;

export const partitionKey = (topic: string, partition: number): PartitionKey => `${topic}\u0000${partition}`;

export interface CommitPosition {
  topic: string;
  partition: number;
  offset: string;
}

export class OffsetTracker {
  private readonly stored = new Map<PartitionKey, number>();
  private readonly accepted = new Map<PartitionKey, number>();
  private readonly committed = new Map<PartitionKey, number>();

  isKnown(key: PartitionKey): boolean {
    return this.stored.has(key);
  }

  /** Records the highest offset already stored (-1 when none). */
  setStored(key: PartitionKey, offset: number): void {
    this.stored.set(key, offset);
  }

  /** True for an offset already stored or accepted: a replay. */
  isReplay(key: PartitionKey, offset: number): boolean {
    return offset <= Math.max(this.stored.get(key) ?? -1, this.accepted.get(key) ?? -1);
  }

  accept(key: PartitionKey, offset: number): void {
    if (offset > (this.accepted.get(key) ?? -1)) this.accepted.set(key, offset);
  }

  /**
   * Positions to commit now, given the smallest not-yet-durable offset per
   * partition. Only positions that moved forward since the last commit.
   */
  commitPositions(firstUnflushed: ReadonlyMap<PartitionKey, number>): CommitPosition[] {
    const out: CommitPosition[] = [];
    for (const [key, accepted] of this.accepted) {
      const position = firstUnflushed.get(key) ?? accepted + 1;
      if (position > (this.committed.get(key) ?? -1)) {
        const [topic, partition] = key.split('\u0000') as [string, string];
        out.push({ topic, partition: Number(partition), offset: String(position) });
      }
    }
    return out;
  }

  markCommitted(positions: CommitPosition[]): void {
    for (const p of positions) this.committed.set(partitionKey(p.topic, p.partition), Number(p.offset));
  }

  /** Forgets partitions no longer assigned, so a later assignment reloads `stored`. */
  retainOnly(assigned: ReadonlySet<PartitionKey>): void {
    for (const map of [this.stored, this.accepted, this.committed]) {
      for (const key of map.keys()) if (!assigned.has(key)) map.delete(key);
    }
  }
}
