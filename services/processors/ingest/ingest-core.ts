import { DriftlineError, messageOf } from '../../../libs/errors/errors.ts';
import type { WindowAggregator } from '../aggregator.ts';
import { createDriftAggregator } from '../drift/drift-aggregator.ts';
import { createSloAggregator, type SloPolicy } from '../slo/slo-aggregator.ts';
import { createSchemaTable, type SchemaSnapshot } from '../validation/schema-provider.ts';
import { createValidationAggregator } from '../validation/validation-aggregator.ts';
import { PartitionAggregation, type BatchOutcome, type Drained, type PackedBatch } from './partition-aggregation.ts';

/** What the per-event side needs to know: plain data, so it can cross to a worker thread. */
export interface IngestSpec {
  pipeline: string;
  topic: string;
  windowSizeMs: number;
  allowedLatenessMs: number;
  slo?: SloPolicy | undefined;
}

/** The requests of the ingest protocol, in the order they must be applied. */
export type IngestRequest =
  | { op: 'schemas'; snapshot: SchemaSnapshot }
  | { op: 'open'; partition: number; offset: number; maxEventMs: number | null }
  | { op: 'drop'; partition: number }
  | { op: 'ingest'; partition: number; batch: PackedBatch }
  | { op: 'drain'; partition: number };

export type IngestReply<R extends IngestRequest> = R extends { op: 'ingest' } ? BatchOutcome : R extends { op: 'drain' } ? Drained | undefined : undefined;

/** The drift, SLO and validation aggregators, as deployed (validation against `schemas`). */
export function processorAggregators(spec: IngestSpec, schemas: ReturnType<typeof createSchemaTable>): WindowAggregator[] {
  return [createDriftAggregator(), createSloAggregator(spec.slo), createValidationAggregator(schemas)];
}

/**
 * The per-event state of every partition an instance owns, driven by
 * IngestRequests one at a time. Synchronous and free of I/O: the inline
 * ingest calls it on the event loop, the ingest thread from its worker.
 */
export function createIngestCore(spec: IngestSpec) {
  const schemas = createSchemaTable();
  const aggregators = processorAggregators(spec, schemas);
  const partitions = new Map<number, PartitionAggregation>();
  /** Partitions whose state a failed batch left half-updated: they refuse every request until reopened. */
  const broken = new Map<number, string>();

  function partitionOf(partition: number): PartitionAggregation {
    const why = broken.get(partition);
    if (why !== undefined) throw new DriftlineError('WORKER_FAILED', `ingest: partition ${partition} is broken since a failed batch (${why}); reopen it from its checkpoint`);
    const found = partitions.get(partition);
    if (!found) throw new DriftlineError('WORKER_FAILED', `ingest: partition ${partition} is not open`);
    return found;
  }

  return {
    handle<R extends IngestRequest>(request: R): IngestReply<R> {
      switch (request.op) {
        case 'schemas':
          schemas.update(request.snapshot);
          return undefined as IngestReply<R>;
        case 'open': {
          const scope = { ...spec, partition: request.partition };
          partitions.set(request.partition, new PartitionAggregation(scope, aggregators, { offset: request.offset, maxEventMs: request.maxEventMs }));
          broken.delete(request.partition);
          return undefined as IngestReply<R>;
        }
        case 'drop':
          partitions.delete(request.partition);
          broken.delete(request.partition);
          return undefined as IngestReply<R>;
        case 'ingest': {
          const target = partitionOf(request.partition);
          try {
            return target.ingest(request.batch) as IngestReply<R>;
          } catch (err) {
            // Some of the batch may be aggregated: a drain now would checkpoint part of it as all of it.
            broken.set(request.partition, messageOf(err));
            throw err;
          }
        }
        case 'drain':
          return partitionOf(request.partition).drain() as IngestReply<R>;
      }
    },
  };
}
