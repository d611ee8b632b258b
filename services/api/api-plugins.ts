import type { Queue } from 'bullmq';
import type { Producer } from 'kafkajs';
import type { ClickHouseClient } from '../../libs/clickhouse/client.ts';
import { createGuards } from '../../libs/http/auth.ts';
import { serializeSends } from '../../libs/kafka/serial-producer.ts';
import { driftReportRoute } from '../../libs/report/report-route.ts';
import { candidateExportRoute } from '../feedback/candidate-export-route.ts';
import { labelRoutes } from '../feedback/label-routes.ts';
import { queueBoard } from '../feedback/queue-board.ts';
import { promotionRoutes } from '../trainer/promotion-routes.ts';
import type { ApiPlugin } from './app.ts';
import { referenceRoutes } from './reference-routes.ts';

export interface ApiPluginDeps {
  clickhouse: ClickHouseClient;
  adminToken: string | undefined;
  /** When set, read routes added here (candidate export) require it, like the query API's. */
  readToken?: string | undefined;
  /** Label ingestion publishes here (driftline.labels); concurrent requests' sends are serialized (see serial-producer.ts). */
  producer: Pick<Producer, 'send'>;
  labelsTopic: string;
  maxLabelsPerRequest: number;
  /** The training queue bull-board shows. */
  trainingQueue: Queue;
  /** The model repository promotion writes routing.json into. */
  modelRepository: string;
  maxRangeMs: number;
}

/**
 * The routes that sit next to the query API in every deployment: label
 * ingestion, reference upload, promotion/rollback, bull-board (all behind the
 * admin token) and the HTML drift report (a read route). services/api/main.ts
 * and the embedded stack both mount exactly this list.
 */
export function apiPlugins(deps: ApiPluginDeps): ApiPlugin[] {
  const { admin, read } = createGuards({ adminToken: deps.adminToken, readToken: deps.readToken });
  return [
    labelRoutes({ producer: serializeSends(deps.producer), topic: deps.labelsTopic, guard: admin, maxItems: deps.maxLabelsPerRequest }),
    referenceRoutes({ clickhouse: deps.clickhouse, guard: admin, maxRows: 200_000 }),
    promotionRoutes({ clickhouse: deps.clickhouse, repoDir: deps.modelRepository, guard: admin }),
    queueBoard({ queues: [deps.trainingQueue], adminToken: deps.adminToken }),
    driftReportRoute({ clickhouse: deps.clickhouse, maxRangeMs: deps.maxRangeMs }),
    candidateExportRoute({ clickhouse: deps.clickhouse, guard: read }),
  ];
}
