import { DriftlineError } from '../errors/errors.ts';
import { encodedColumnNames, encodeRows, type FeatureEncoder, type FeatureRow, fitEncoder } from './feature-encoder.ts';
import type { FeatureSpec } from './model-card.ts';

/**
 * L2-regularized logistic regression on standardized numeric and one-hot
 * categorical features, fitted by Newton's method (IRLS) with a backtracking
 * line search. It is deterministic (no sampling, fixed summation order) and
 * converges in ~6–10 iterations: with ~20 encoded columns each iteration is
 * one O(n·d²) pass, so 50k rows train in well under a second.
 *
 * Objective (minimized): mean log loss + (l2/2)·‖w‖², the intercept not
 * penalized. The penalty also resolves the collinearity of a full one-hot
 * block with the intercept, so no reference category needs dropping and an
 * unknown category (all zeros) scores as the "average" category.
 */

export interface LogisticModel {
  /** Input schema, in ONNX input order. */
  features: FeatureSpec[];
  encoder: FeatureEncoder;
  /** One weight per encoded column (see encodedColumnNames). */
  weights: number[];
  bias: number;
  fit: { iterations: number; converged: boolean; objective: number; l2: number };
}

export interface TrainOptions {
  /** L2 strength on the mean-loss scale; default 1e-4. */
  l2?: number;
  /** Default 50; Newton rarely needs more than 10. */
  maxIterations?: number;
  /** Stop when the Newton decrement (half of gᵀH⁻¹g) falls below this; default 1e-12. */
  tolerance?: number;
}

/** Fits the encoder and the weights on labelled rows (labels 0/1). */
export function trainLogisticRegression(
  features: readonly FeatureSpec[],
  rows: readonly FeatureRow[],
  labels: ArrayLike<number>,
  options: TrainOptions = {},
): LogisticModel {
  const l2 = options.l2 ?? 1e-4;
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-12;
  if (rows.length !== labels.length) throw new DriftlineError('INPUT_INVALID', `rows (${rows.length}) and labels (${labels.length}) differ in length`);
  const y = Float64Array.from(labels as ArrayLike<number>);
  if (!y.every((v) => v === 0 || v === 1)) throw new DriftlineError('INPUT_INVALID', 'labels must be 0 or 1');

  const encoder = fitEncoder(features, rows);
  const { matrix: X, columns: d } = encodeRows(encoder, rows);
  const n = rows.length;
  const p = d + 1; // weights, then the bias as a column of ones
  let theta: Float64Array = new Float64Array(p);
  let objective = evaluate(X, y, n, d, theta, l2, false).objective;
  let iterations = 0;
  let converged = false;

  while (iterations < maxIterations) {
    iterations += 1;
    const { gradient, hessian } = evaluate(X, y, n, d, theta, l2, true);
    const step = choleskySolve(hessian!, gradient!, p);
    const decrement = dot(gradient!, step) / 2;
    if (decrement < tolerance) { converged = true; break; }
    // Backtracking (Armijo): Newton's full step can overshoot when classes are nearly separable.
    let t = 1;
    let next: Float64Array;
    let nextObjective: number;
    for (;;) {
      next = theta.map((v, i) => v - t * step[i]!);
      nextObjective = evaluate(X, y, n, d, next, l2, false).objective;
      if (nextObjective <= objective - 0.25 * t * 2 * decrement || t < 1e-8) break;
      t /= 2;
    }
    theta = next;
    objective = nextObjective;
  }

  return {
    features: [...features],
    encoder,
    weights: Array.from(theta.subarray(0, d)),
    bias: theta[d]!,
    fit: { iterations, converged, objective, l2 },
  };
}

/** P(label = 1) for each row, in float64, with the same encoding as training. */
export function predictProbabilities(model: LogisticModel, rows: readonly FeatureRow[]): Float64Array {
  const { matrix, columns } = encodeRows(model.encoder, rows);
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    let z = model.bias;
    for (let j = 0; j < columns; j++) z += matrix[r * columns + j]! * model.weights[j]!;
    out[r] = sigmoid(z);
  }
  return out;
}

/**
 * The weights on the raw feature scale: numeric weight / std, so they are
 * comparable with the coefficients of a generating process. Categorical
 * weights are returned as they are (one-hot columns are not scaled).
 */
export function rawScaleWeights(model: LogisticModel): Record<string, number> {
  const names = encodedColumnNames(model.encoder);
  const out: Record<string, number> = {};
  names.forEach((name, j) => {
    const std = j < model.encoder.numeric.length ? model.encoder.numeric[j]!.std : 1;
    out[name] = model.weights[j]! / std;
  });
  return out;
}

/** The logistic function, without overflow for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Objective and, when asked, its gradient and Hessian (packed as a dense p×p array). */
function evaluate(X: Float64Array, y: Float64Array, n: number, d: number, theta: Float64Array, l2: number, withDerivatives: boolean) {
  const p = d + 1;
  const gradient = withDerivatives ? new Float64Array(p) : undefined;
  const hessian = withDerivatives ? new Float64Array(p * p) : undefined;
  const x = new Float64Array(p);
  x[d] = 1;
  let loss = 0;
  for (let r = 0; r < n; r++) {
    const base = r * d;
    let z = theta[d]!;
    for (let j = 0; j < d; j++) {
      x[j] = X[base + j]!;
      z += x[j]! * theta[j]!;
    }
    loss += softplus(z) - y[r]! * z;
    if (!withDerivatives) continue;
    const prob = sigmoid(z);
    const residual = prob - y[r]!;
    const w = prob * (1 - prob);
    for (let i = 0; i < p; i++) {
      const xi = x[i]!;
      if (xi === 0) continue; // one-hot columns are mostly zero
      gradient![i]! += residual * xi;
      const wxi = w * xi;
      // Upper triangle only; mirrored below.
      for (let j = i; j < p; j++) hessian![i * p + j]! += wxi * x[j]!;
    }
  }
  let penalty = 0;
  for (let j = 0; j < d; j++) penalty += theta[j]! ** 2;
  const objective = loss / n + (l2 / 2) * penalty;
  if (withDerivatives) {
    for (let i = 0; i < p; i++) {
      gradient![i] = gradient![i]! / n + (i < d ? l2 * theta[i]! : 0);
      for (let j = i; j < p; j++) {
        const h = hessian![i * p + j]! / n + (i === j && i < d ? l2 : 0);
        hessian![i * p + j] = h;
        hessian![j * p + i] = h;
      }
    }
  }
  return { objective, gradient, hessian };
}

/** Solves A·x = b for a symmetric positive-definite p×p A by Cholesky. */
function choleskySolve(A: Float64Array, b: Float64Array, p: number): Float64Array {
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * p + j]!;
      for (let k = 0; k < j; k++) s -= L[i * p + k]! * L[j * p + k]!;
      if (i === j) {
        if (!(s > 0)) throw new DriftlineError('MODEL_INVALID', 'Hessian is not positive definite; increase l2');
        L[i * p + i] = Math.sqrt(s);
      } else {
        L[i * p + j] = s / L[j * p + j]!;
      }
    }
  }
  const z = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * p + k]! * z[k]!;
    z[i] = s / L[i * p + i]!;
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < p; k++) s -= L[k * p + i]! * x[k]!;
    x[i] = s / L[i * p + i]!;
  }
  return x;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
