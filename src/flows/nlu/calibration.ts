/**
 * Temperature scaling: one scalar that turns raw softmax scores into probabilities that match
 * how often the model is actually right on data it did not train on.
 */
import { softmax } from './intent-classifier.js';

/** Mean negative log-likelihood of the gold classes at a temperature. */
export function negativeLogLikelihood(logits: Float64Array[], gold: number[], temperature: number): number {
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    const p = softmax(logits[i], temperature);
    total -= Math.log(Math.max(p[gold[i]], 1e-12));
  }
  return total / Math.max(1, logits.length);
}

/**
 * Temperature minimising held-out NLL, by golden-section search over log T in [0.05, 20].
 * Returns 1 when there is nothing to fit on.
 */
export function fitTemperature(logits: Float64Array[], gold: number[]): number {
  if (logits.length === 0) return 1;
  let lo = Math.log(0.05);
  let hi = Math.log(20);
  const phi = (Math.sqrt(5) - 1) / 2;
  const f = (logT: number): number => negativeLogLikelihood(logits, gold, Math.exp(logT));
  let x1 = hi - phi * (hi - lo);
  let x2 = lo + phi * (hi - lo);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let iter = 0; iter < 40; iter++) {
    if (f1 < f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - phi * (hi - lo);
      f1 = f(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + phi * (hi - lo);
      f2 = f(x2);
    }
  }
  return Math.exp((lo + hi) / 2);
}
