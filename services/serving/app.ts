import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { DriftlineError } from '../../libs/errors/errors.ts';
import type { Logger } from '../../libs/logging/logger.ts';
import { rowRecord } from './feature-batch.ts';
import { httpErrorOf } from './http-errors.ts';
import { createInferenceService, type InferenceRequest } from './inference.ts';
import { instancesToBatch } from './instance-validation.ts';
import { modelMetadata, versionMetadata } from './model-metadata.ts';
import type { ModelRegistry } from './model-registry.ts';
import type { PredictionPublisher } from './prediction-publisher.ts';
import type { ServingMetrics } from './serving-metrics.ts';
import { parseV2InferRequest } from './v2-request.ts';

export interface ServingAppDeps {
  registry: ModelRegistry;
  publisher: Pick<PredictionPublisher, 'publish' | 'stats'>;
  metrics: ServingMetrics;
  logger: Logger;
  /** This node's name in prediction events. */
  node: string;
  /** Request body limit in bytes. */
  bodyLimit: number;
  clock?: () => number;
}

type ModelParams = { name: string; version?: string };
type Endpoint = 'v2_infer' | 'v1_predict';
interface RequestLabels {
  endpoint: Endpoint;
  model: string;
  routed: { version?: string };
}

/** Header with the prediction id when a request scored exactly one row. */
export const PREDICTION_ID_HEADER = 'x-prediction-id';
/** Header with the model version that answered. */
export const MODEL_VERSION_HEADER = 'x-model-version';

/**
 * The serving node's HTTP API: the Open Inference Protocol (KServe v2) REST
 * endpoints, a tabular `/v1/models/:name/predict`, and `/metrics`. The app
 * only translates HTTP to the inference core and back; models, routing and
 * publishing are passed in. Errors always answer `{ error: { code, message } }`.
 */
export function buildServingApp(deps: ServingAppDeps): FastifyInstance {
  const { registry, metrics } = deps;
  const log = deps.logger.child({ component: 'serving-http' });
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // One log line per request would cost more than scoring a row; errors are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimit,
    // Router-level refusals (a malformed percent-encoding in the path, a parameter over maxParamLength)
    // bypass setErrorHandler; without this they answer fastify's own body, not ours.
    frameworkErrors: (err, _request, reply) => {
      const { status, body } = httpErrorOf(err, deps.bodyLimit);
      void (reply as FastifyReply).code(status).send(body);
    },
  });
  metrics.watch({ models: () => registry.served(), publisher: () => deps.publisher.stats(), registryStats: () => registry.stats });
  const infer = createInferenceService({
    registry,
    publish: (event) => deps.publisher.publish(event),
    node: deps.node,
    logger: deps.logger,
    onPredictions: (model, version, status, rows) => metrics.predictions.inc({ model, version, status }, rows),
    ...(deps.clock ? { clock: deps.clock } : {}),
  });

  // Metric labels per request, set by the inference handlers (a WeakMap keeps fastify's request object ours to leave alone).
  const labels = new WeakMap<FastifyRequest, RequestLabels>();
  const track = (request: FastifyRequest, endpoint: Endpoint, model: string): RequestLabels => {
    // Only loaded model names become label values: clients must not be able to mint series.
    const l: RequestLabels = { endpoint, model: registry.model(model) ? model : '(unknown)', routed: {} };
    labels.set(request, l);
    return l;
  };
  app.addHook('onResponse', async (request, reply) => {
    const l = labels.get(request);
    if (!l) return;
    const version = l.routed.version ?? '';
    metrics.requests.inc({ endpoint: l.endpoint, model: l.model, version, code: String(reply.statusCode) });
    metrics.requestSeconds.observe({ endpoint: l.endpoint, model: l.model, version }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err, request, reply) => {
    const { status, body } = httpErrorOf(err, deps.bodyLimit);
    if (status >= 500) log.error({ err, url: request.url }, 'request failed');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } }));

  const notLoaded = (name: string, version?: string) =>
    new DriftlineError('NOT_FOUND', version === undefined ? `model ${JSON.stringify(name)} is not loaded` : `version ${JSON.stringify(version)} of model ${JSON.stringify(name)} is not loaded`);

  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_request, reply) => reply.code(registry.ready ? 200 : 503).send({ ready: registry.ready }));

  const modelReady = async (request: FastifyRequest<{ Params: ModelParams }>) => {
    const { name, version } = request.params;
    const model = registry.model(name);
    if (!model || (version !== undefined && !model.versions.has(version))) throw notLoaded(name, version);
    return { name, ...(version !== undefined ? { version } : {}), ready: true };
  };
  app.get('/v2/models/:name/ready', modelReady);
  app.get('/v2/models/:name/versions/:version/ready', modelReady);

  const metadata = async (request: FastifyRequest<{ Params: ModelParams }>) => {
    const { name, version } = request.params;
    const model = registry.model(name);
    if (!model) throw notLoaded(name);
    if (version === undefined) return modelMetadata(model);
    const loaded = model.versions.get(version);
    if (!loaded) throw notLoaded(name, version);
    return versionMetadata(loaded);
  };
  app.get('/v2/models/:name', metadata);
  app.get('/v2/models/:name/versions/:version', metadata);

  const v2Infer = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { name, version } = request.params;
    const l = track(request, 'v2_infer', name);
    let parsed: ReturnType<typeof parseV2InferRequest> | undefined;
    const inferRequest: InferenceRequest = {
      model: name,
      version,
      routed: l.routed,
      parse: (signature) => (parsed = parseV2InferRequest(request.body, signature)).batch,
    };
    const result = await infer(inferRequest);
    const rows = result.outputs.rows;
    const wanted = parsed!.outputs ?? result.signature.outputs.map((o) => o.name);
    const specs = new Map(result.signature.outputs.map((o) => [o.name, o]));
    setResultHeaders(reply, result.version, result.predictionIds);
    return {
      model_name: result.model,
      model_version: result.version,
      ...(parsed!.id !== undefined ? { id: parsed!.id } : {}),
      parameters: { prediction_ids: result.predictionIds, execution_provider: result.provider },
      outputs: wanted.map((output) => ({ name: output, datatype: specs.get(output)!.datatype, shape: [rows, 1], data: result.outputs.columns[output] })),
    };
  };
  app.post('/v2/models/:name/infer', v2Infer);
  app.post('/v2/models/:name/versions/:version/infer', v2Infer);

  const v1Predict = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { name, version } = request.params;
    const l = track(request, 'v1_predict', name);
    const result = await infer({ model: name, version, routed: l.routed, parse: (signature) => instancesToBatch(request.body, signature) });
    setResultHeaders(reply, result.version, result.predictionIds);
    return {
      model: result.model,
      model_version: result.version,
      predictions: result.predictionIds.map((id, row) => ({ prediction_id: id, ...rowRecord(result.outputs.columns, row) })),
    };
  };
  app.post('/v1/models/:name/predict', v1Predict);
  app.post('/v1/models/:name/versions/:version/predict', v1Predict);

  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  return app;
}

function setResultHeaders(reply: FastifyReply, version: string, ids: readonly string[]): void {
  reply.header(MODEL_VERSION_HEADER, version);
  if (ids.length === 1) reply.header(PREDICTION_ID_HEADER, ids[0]!);
}
