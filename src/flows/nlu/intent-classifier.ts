/**
 * Multinomial logistic regression over sparse vectors, trained by seeded SGD with L2 decay.
 *
 * Weights are stored feature-major (`w[f * classes + c]`) so scoring a message touches one
 * contiguous row per active feature: a few thousand multiply-adds, a few microseconds.
 */
import type { SparseVector } from './features.js';

/** Training knobs; the defaults were tuned on CLINC150 val. */
export interface SgdOptions {
  epochs: number;
  /** Initial learning rate. */
  learningRate: number;
  /** L2 strength per example. */
  l2: number;
  seed: number;
}

export const DEFAULT_SGD_OPTIONS: SgdOptions = { epochs: 12, learningRate: 1.5, l2: 3e-7, seed: 7 };

/** Serialised weights: float32 little-endian bytes in base64, exact and ~5 bytes a weight. */
export interface LinearModelJSON {
  classes: number;
  features: number;
  weights: string;
  bias: number[];
}

/** Mulberry32: a tiny seeded generator so training is reproducible run to run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle in place with the given generator. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Softmax of `logits / temperature` into a new array. */
export function softmax(logits: Float64Array | number[], temperature = 1): Float64Array {
  let max = -Infinity;
  for (const z of logits) if (z > max) max = z;
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let c = 0; c < logits.length; c++) {
    out[c] = Math.exp((logits[c] - max) / temperature);
    sum += out[c];
  }
  for (let c = 0; c < out.length; c++) out[c] /= sum;
  return out;
}

/** A linear softmax classifier over sparse inputs. */
export class LinearModel {
  // Gradients this small barely move a weight; skipping them makes late epochs several times faster.
  private readonly skipBelow = 1e-3;
  private constructor(
    readonly classes: number,
    readonly features: number,
    private readonly w: Float32Array,
    private readonly b: Float64Array,
  ) {}

  /** Trains on vectors `xs` with class indices `ys`. */
  static train(xs: SparseVector[], ys: number[], classes: number, features: number, options: Partial<SgdOptions> = {}): LinearModel {
    const opts = { ...DEFAULT_SGD_OPTIONS, ...options };
    const model = new LinearModel(classes, features, new Float32Array(classes * features), new Float64Array(classes));
    model.fit(xs, ys, opts);
    return model;
  }

  static fromJSON(data: LinearModelJSON): LinearModel {
    const bytes = Buffer.from(data.weights, 'base64');
    if (bytes.length !== data.classes * data.features * 4 || data.bias.length !== data.classes) {
      throw new Error('linear model: weight count does not match its shape');
    }
    // Copy into a fresh, aligned buffer: Buffer slices may start at any byte offset.
    const w = new Float32Array(data.classes * data.features);
    new Uint8Array(w.buffer).set(bytes);
    return new LinearModel(data.classes, data.features, w, Float64Array.from(data.bias));
  }

  toJSON(): LinearModelJSON {
    const weights = Buffer.from(this.w.buffer, this.w.byteOffset, this.w.byteLength).toString('base64');
    return { classes: this.classes, features: this.features, weights, bias: Array.from(this.b) };
  }

  /**
   * A new model whose weights are these plus `scale × extra` (same feature-major shape), e.g.
   * to fold naive-Bayes log-likelihoods in as a prior. Biases are kept.
   */
  withAddedWeights(extra: Float32Array, scale: number): LinearModel {
    if (extra.length !== this.w.length) throw new Error('linear model: added weights do not match its shape');
    const w = Float32Array.from(this.w, (v, j) => v + scale * extra[j]);
    return new LinearModel(this.classes, this.features, w, Float64Array.from(this.b));
  }

  /** Raw class scores (logits) of one vector. */
  logits(x: SparseVector): Float64Array {
    return this.scoreInto(x, new Float64Array(this.classes), 1);
  }

  private scoreInto(x: SparseVector, out: Float64Array, scale: number): Float64Array {
    const C = this.classes;
    const { w } = this;
    out.set(this.b);
    for (let k = 0; k < x.idx.length; k++) {
      const row = x.idx[k] * C;
      const v = x.val[k] * scale;
      for (let c = 0; c < C; c++) out[c] += v * w[row + c];
    }
    return out;
  }

  // Plain SGD on the softmax loss. L2 decay is folded into one shared scale factor so a step costs
  // only the active features; classes whose gradient is negligible are skipped, which after the first
  // epoch is almost all of them.
  private fit(xs: SparseVector[], ys: number[], opts: SgdOptions): void {
    const C = this.classes;
    const { w, b } = this;
    const random = seededRandom(opts.seed);
    const order = xs.map((_, i) => i);
    const scores = new Float64Array(C);
    const active = new Int32Array(C);
    const grad = new Float64Array(C);
    let scale = 1;
    let t = 0;
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      shuffle(order, random);
      for (const i of order) {
        const lr = opts.learningRate / (1 + opts.learningRate * opts.l2 * t++);
        const x = xs[i];
        const p = softmax(this.scoreInto(x, scores, scale));
        p[ys[i]] -= 1;
        scale *= 1 - lr * opts.l2;
        const step = lr / scale;
        let n = 0;
        for (let c = 0; c < C; c++) {
          if (p[c] > -this.skipBelow && p[c] < this.skipBelow) continue;
          b[c] -= lr * p[c];
          active[n] = c;
          grad[n++] = step * p[c];
        }
        for (let k = 0; k < x.idx.length; k++) {
          const row = x.idx[k] * C;
          const v = x.val[k];
          for (let a = 0; a < n; a++) w[row + active[a]] -= grad[a] * v;
        }
        if (scale < 1e-6) {
          for (let j = 0; j < w.length; j++) w[j] *= scale;
          scale = 1;
        }
      }
    }
    if (scale !== 1) for (let j = 0; j < w.length; j++) w[j] *= scale;
  }
}
