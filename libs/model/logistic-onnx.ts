import type { LogisticModel } from './logistic-regression.ts';
import { DataType } from './onnx-proto.ts';
import { attr, encodeModel, floatTensor, type Node, type OpsetId, type Tensor, tensorValueInfo, type ValueInfo, node } from './onnx-writer.ts';

/**
 * Exports a LogisticModel as an ONNX graph that serves raw tabular features:
 *
 *   numeric inputs  (float32 [N,1] each) ─ Concat ─ Imputer(NaN→mean) ─ Sub(mean) ─ Div(std) ─┐
 *   categorical inputs (string [N,1] each) ─ OneHotEncoder(zeros=1) ─ Flatten ───────────────────┴─ Concat
 *     ─ MatMul(W [D,1]) ─ Add(b) ─ Sigmoid ─▶ probability float32 [N,1]
 *                                            └ GreaterOrEqual(threshold) ─ Cast(int64) ─▶ label int64 [N,1]
 *
 * N is a symbolic batch dimension. Standardization stays explicit in the graph
 * (rather than folded into W) so the graph's constants read as the card's
 * preprocessing. Internal value names start with "dl/", which no feature name
 * can (see the card's identifier rule), so they never collide with inputs.
 */

/** ai.onnx 17 for the tensor ops; ai.onnx.ml 3 for Imputer and OneHotEncoder (both v1 there). */
export const LOGISTIC_OPSETS: readonly OpsetId[] = [
  { domain: '', version: 17 },
  { domain: 'ai.onnx.ml', version: 3 },
];
/** IR version 8 is the one paired with opset 17 (ONNX 1.12). */
export const LOGISTIC_IR_VERSION = 8;
/** Bumped when the graph layout changes, so a reader can tell exporters apart. */
export const LOGISTIC_EXPORTER_VERSION = 'logistic-onnx/1';

export const PROBABILITY_OUTPUT = 'probability';
export const LABEL_OUTPUT = 'label';

export interface LogisticExportOptions {
  /** Probability at or above which `label` is 1. */
  threshold: number;
  /** ModelProto.metadata_props, e.g. the model card JSON. */
  metadata?: Record<string, string>;
  /** Graph name; default "logistic_regression". */
  graphName?: string;
  docString?: string;
}

/** Builds the ONNX bytes for a trained logistic regression. */
export function exportLogisticOnnx(model: LogisticModel, options: LogisticExportOptions): Uint8Array {
  if (!(options.threshold >= 0 && options.threshold <= 1)) throw new RangeError(`threshold must be in [0, 1], got ${options.threshold}`);
  const nodes: Node[] = [];
  const initializers: Tensor[] = [];
  const blocks: string[] = [];
  const { numeric, categorical } = model.encoder;

  const inputs: ValueInfo[] = model.features.map((f) =>
    tensorValueInfo(f.name, f.kind === 'numeric' ? DataType.FLOAT : DataType.STRING, ['N', 1], f.description));

  if (numeric.length > 0) {
    const means = numeric.map((n) => n.mean);
    initializers.push(floatTensor('dl/mean', [numeric.length], means), floatTensor('dl/std', [numeric.length], numeric.map((n) => n.std)));
    nodes.push(
      node('Concat', numeric.map((n) => n.name), ['dl/numeric_raw'], [attr.int('axis', 1)]),
      // NaN is how a serving node passes a null numeric; it becomes the training mean, as in training.
      node('Imputer', ['dl/numeric_raw'], ['dl/numeric_imputed'], [attr.floats('imputed_value_floats', means), attr.float('replaced_value_float', NaN)], 'ai.onnx.ml'),
      node('Sub', ['dl/numeric_imputed', 'dl/mean'], ['dl/numeric_centered']),
      node('Div', ['dl/numeric_centered', 'dl/std'], ['dl/numeric_standardized']),
    );
    blocks.push('dl/numeric_standardized');
  }

  const weights = [...model.weights];
  let column = numeric.length;
  for (const c of categorical) {
    if (c.categories.length === 0) continue; // never observed in training: contributes nothing, has no weights
    // OneHotEncoder appends the category axis: [N,1] → [N,1,K]; Flatten makes it [N,K]. zeros=1 turns unknown categories into all zeros instead of an error.
    nodes.push(
      node('OneHotEncoder', [c.name], [`dl/onehot3/${c.name}`], [attr.strings('cats_strings', c.categories), attr.int('zeros', 1)], 'ai.onnx.ml'),
      node('Flatten', [`dl/onehot3/${c.name}`], [`dl/onehot/${c.name}`], [attr.int('axis', 1)]),
    );
    blocks.push(`dl/onehot/${c.name}`);
    column += c.categories.length;
  }
  if (column !== weights.length) throw new Error(`encoder has ${column} columns but the model ${weights.length} weights`);

  initializers.push(
    floatTensor('dl/weights', [weights.length, 1], weights),
    floatTensor('dl/bias', [1], [model.bias]),
    floatTensor('dl/threshold', [1], [options.threshold]),
  );
  nodes.push(
    node('Concat', blocks, ['dl/encoded'], [attr.int('axis', 1)]),
    node('MatMul', ['dl/encoded', 'dl/weights'], ['dl/linear']),
    node('Add', ['dl/linear', 'dl/bias'], ['dl/logit']),
    node('Sigmoid', ['dl/logit'], [PROBABILITY_OUTPUT]),
    node('GreaterOrEqual', [PROBABILITY_OUTPUT, 'dl/threshold'], ['dl/is_positive']),
    node('Cast', ['dl/is_positive'], [LABEL_OUTPUT], [attr.int('to', DataType.INT64)]),
  );

  return encodeModel({
    graph: {
      name: options.graphName ?? 'logistic_regression',
      node: nodes,
      initializer: initializers,
      input: inputs,
      output: [
        tensorValueInfo(PROBABILITY_OUTPUT, DataType.FLOAT, ['N', 1], 'P(label = 1)'),
        tensorValueInfo(LABEL_OUTPUT, DataType.INT64, ['N', 1], `1 when probability >= ${options.threshold}, else 0`),
      ],
    },
    opsets: [...LOGISTIC_OPSETS],
    irVersion: LOGISTIC_IR_VERSION,
    producerName: 'driftline',
    producerVersion: LOGISTIC_EXPORTER_VERSION,
    ...(options.docString ? { docString: options.docString } : {}),
    ...(options.metadata ? { metadata: options.metadata } : {}),
  });
}
