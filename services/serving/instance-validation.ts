import { DriftlineError } from '../../libs/errors/errors.ts';
import type { FeatureBatch, FeatureColumn, FeatureValue } from './feature-batch.ts';
import type { ModelSignature } from './model-signature.ts';
import { categoricalProblem, describeValue, isPlainObject, numericProblem } from './value-checks.ts';

/**
 * Validates a `/v1/models/:name/predict` body — `{ "instances": [ {feature:
 * value, …}, … ] }` — against a model's signature and turns it into columns.
 * Every feature must be present (null for a missing value), no others are
 * allowed. The first problem is thrown as INPUT_INVALID naming the field the
 * way a client would find it: `instances[3].income: expected a number, got "abc"`.
 */
export function instancesToBatch(body: unknown, signature: ModelSignature): FeatureBatch {
  const fail = (where: string, why: string): never => {
    throw new DriftlineError('INPUT_INVALID', `${where}: ${why}`, { details: { field: where } });
  };
  if (!isPlainObject(body)) fail('body', `expected a JSON object with "instances", got ${describeValue(body)}`);
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) if (key !== 'instances') fail(key, 'unknown field (the body holds only "instances")');
  const instances = record.instances;
  if (!Array.isArray(instances)) fail('instances', `expected an array of feature records, got ${describeValue(instances)}`);
  const rows = (instances as unknown[]).length;
  if (rows === 0) fail('instances', 'must hold at least one record');
  if (signature.fixedRows !== null && rows !== signature.fixedRows) fail('instances', `this model version takes exactly ${signature.fixedRows} rows per request, got ${rows}`);

  const known = new Set(signature.inputs.map((i) => i.name));
  const columns: Record<string, FeatureValue[]> = {};
  for (const input of signature.inputs) columns[input.name] = new Array<FeatureValue>(rows);
  (instances as unknown[]).forEach((instance, r) => {
    if (!isPlainObject(instance)) fail(`instances[${r}]`, `expected an object of feature values, got ${describeValue(instance)}`);
    const values = instance as Record<string, unknown>;
    for (const key of Object.keys(values)) {
      if (!known.has(key)) fail(`instances[${r}].${key}`, `unknown feature (the model takes: ${[...known].join(', ')})`);
    }
    for (const input of signature.inputs) {
      const where = `instances[${r}].${input.name}`;
      if (!Object.hasOwn(values, input.name)) fail(where, 'missing (send null for a missing value)');
      const value = values[input.name];
      const problem = input.kind === 'numeric' ? numericProblem(value) : categoricalProblem(value);
      if (problem) fail(where, problem);
      columns[input.name]![r] = value as FeatureValue;
    }
  });
  return { rows, columns: columns as Record<string, FeatureColumn> };
}
