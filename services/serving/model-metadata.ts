import type { ServedModel } from './model-registry.ts';
import type { LoadedVersion } from './loaded-version.ts';
import { tensorShape } from './model-signature.ts';

/** `platform` in model metadata: what runs the graph. */
export const PLATFORM = 'onnxruntime';

/**
 * Open Inference Protocol model metadata for one version, plus Driftline's
 * `execution_provider` (the provider really in use, after any fallback).
 */
export function versionMetadata(version: LoadedVersion) {
  const shape = tensorShape(version.signature);
  return {
    name: version.model,
    versions: [version.version],
    platform: PLATFORM,
    inputs: version.signature.inputs.map((i) => ({ name: i.name, datatype: i.datatype, shape })),
    outputs: version.signature.outputs.map((o) => ({ name: o.name, datatype: o.datatype, shape })),
    execution_provider: version.provider,
  };
}

/**
 * Metadata of a model as a whole: every loaded version, the champion's
 * signature and provider at the top level (what an unversioned request gets
 * most of the time), the routing policy in force, and each version's provider.
 */
export function modelMetadata(model: ServedModel) {
  const champion = model.versions.get(model.routing.policy.champion)!;
  return {
    ...versionMetadata(champion),
    versions: [...model.versions.keys()],
    routing: { ...model.routing.policy, source: model.routing.source },
    execution_providers: Object.fromEntries([...model.versions.values()].map((v) => [v.version, v.provider])),
  };
}
