/**
 * Multinomial naive Bayes over the same TF-IDF vectors as the softmax model, used as a prior.
 *
 * NB's per-class log feature probabilities are a strong, smooth signal on rare words that the
 * discriminative model under-weights; on short-text intent data adding a scaled copy of them to
 * the logistic-regression logits (a product of experts, as in NBSVM-style interpolation) beats
 * either model alone. Both are linear in the input, so the sum folds into one weight matrix and
 * classification costs nothing extra.
 */
import type { SparseVector } from './features.js';

/** Knobs of the NB prior; the defaults were tuned on CLINC150 val. */
export interface NaiveBayesOptions {
  /** Additive (Lidstone) smoothing per feature and class. */
  alpha: number;
  /** Scale of the NB log-likelihoods added to the softmax model's logits (0 disables). */
  weight: number;
}

export const DEFAULT_NAIVE_BAYES_OPTIONS: NaiveBayesOptions = { alpha: 0.001, weight: 0.2 };

/**
 * Log feature probabilities `log P(f | c)` of a multinomial NB trained on feature values as
 * fractional counts, feature-major (`out[f * classes + c]`) like `LinearModel`'s weights.
 */
export function naiveBayesLogLikelihoods(xs: SparseVector[], ys: number[], classes: number, features: number, alpha: number): Float32Array {
  const counts = new Float64Array(features * classes);
  const totals = new Float64Array(classes);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    for (let k = 0; k < x.idx.length; k++) {
      counts[x.idx[k] * classes + y] += x.val[k];
      totals[y] += x.val[k];
    }
  }
  const logDenominator = Float64Array.from(totals, (t) => Math.log(t + alpha * features));
  const out = new Float32Array(features * classes);
  for (let f = 0; f < features; f++) {
    const row = f * classes;
    for (let c = 0; c < classes; c++) out[row + c] = Math.log(counts[row + c] + alpha) - logDenominator[c];
  }
  return out;
}
