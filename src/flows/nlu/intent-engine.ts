/**
 * The intent engine: TF-IDF features → linear softmax model plus a naive-Bayes prior (folded into
 * the same weights) → temperature-calibrated confidence, with out-of-scope detection by an `oos`
 * class and a confidence threshold.
 */
import { z } from 'zod';
import { fitTemperature } from './calibration.js';
import { Vectorizer, type FeatureOptions, type SparseVector } from './features.js';
import { LinearModel, seededRandom, shuffle, softmax, type SgdOptions } from './intent-classifier.js';
import { DEFAULT_NAIVE_BAYES_OPTIONS, naiveBayesLogLikelihoods, type NaiveBayesOptions } from './naive-bayes.js';

/** One labelled training or test utterance; intent `oos` means out of scope. */
export interface IntentExample {
  text: string;
  intent: string;
}

/** The engine's answer for one text. */
export interface IntentPrediction {
  intent: string;
  confidence: number;
  alternatives: { intent: string; confidence: number }[];
}

/** Options of `IntentEngine.train`. */
export interface TrainOptions {
  /** Below this calibrated confidence the answer is `oos`. */
  threshold?: number;
  seed?: number;
  epochs?: number;
  /** Expert knobs, mainly for tuning experiments. */
  learningRate?: number;
  l2?: number;
  features?: Partial<FeatureOptions>;
  /** Naive-Bayes prior folded into the weights (`{weight: 0}` turns it off; off too when no temperature is fitted). */
  naiveBayes?: Partial<NaiveBayesOptions>;
  /** Share of each class held out to fit the temperature (0 disables calibration). */
  calibrationShare?: number;
}

/** The label for out-of-scope text. */
export const OOS = 'oos';
/** Default confidence threshold, tuned on CLINC150 val together with the calibration. */
export const DEFAULT_THRESHOLD = 0.3;
const MODEL_VERSION = 1;
const ALTERNATIVES = 3;

const modelSchema = z.object({
  version: z.literal(MODEL_VERSION),
  intents: z.array(z.string()).min(1),
  threshold: z.number().min(0).max(1),
  temperature: z.number().positive(),
  vectorizer: z.object({
    options: z.object({ charMin: z.number(), charMax: z.number(), charMinDf: z.number(), charWeight: z.number(), skipBigrams: z.boolean(), charAcrossWords: z.boolean() }),
    terms: z.array(z.string()),
    idf: z.array(z.number()),
  }),
  model: z.object({ classes: z.number().int(), features: z.number().int(), weights: z.string(), bias: z.array(z.number()) }),
});

/** Trained intent classifier; cheap to call, serialisable with `toJSON`/`fromJSON`. */
export class IntentEngine {
  private constructor(
    readonly intents: string[],
    readonly threshold: number,
    readonly temperature: number,
    private readonly vectorizer: Vectorizer,
    private readonly model: LinearModel,
  ) {}

  /** Trains a model on labelled examples. Deterministic for a given seed. */
  static train(examples: IntentExample[], options: TrainOptions = {}): IntentEngine {
    const usable = examples.filter((e) => e.text.trim() !== '' && e.intent !== '');
    if (usable.length === 0) throw new Error('intent engine: no training examples');
    const intents = [...new Set(usable.map((e) => e.intent))].sort();
    const label = new Map(intents.map((intent, i) => [intent, i]));
    const vectorizer = Vectorizer.fit(usable.map((e) => e.text), options.features);
    const xs = usable.map((e) => vectorizer.transform(e.text));
    const ys = usable.map((e) => label.get(e.intent)!);
    const seed = options.seed ?? 7;
    const sgd: Partial<SgdOptions> = { seed, epochs: options.epochs, learningRate: options.learningRate, l2: options.l2 };
    for (const key of Object.keys(sgd) as (keyof SgdOptions)[]) if (sgd[key] === undefined) delete sgd[key];
    const held = calibrationHoldOut(ys, seed, options.calibrationShare ?? 0.1);
    // NB log-likelihoods make raw scores overconfident: use the prior only where a temperature reins it in.
    const nb = { ...DEFAULT_NAIVE_BAYES_OPTIONS, ...options.naiveBayes, ...(held ? {} : { weight: 0 }) };
    const fitModel: Fit = (txs, tys) => trainLinear(txs, tys, intents.length, vectorizer.size, sgd, nb);
    const temperature = held ? calibrate(xs, ys, held, fitModel) : 1;
    const model = fitModel(xs, ys);
    return new IntentEngine(intents, options.threshold ?? DEFAULT_THRESHOLD, temperature, vectorizer, model);
  }

  /** Rebuilds an engine saved with `toJSON`; throws on a malformed or foreign document. */
  static fromJSON(data: unknown): IntentEngine {
    const parsed = modelSchema.parse(data);
    const vectorizer = Vectorizer.fromJSON(parsed.vectorizer);
    const model = LinearModel.fromJSON(parsed.model);
    if (model.classes !== parsed.intents.length || model.features !== vectorizer.size) {
      throw new Error('intent engine: model shape does not match its intents or vocabulary');
    }
    return new IntentEngine(parsed.intents, parsed.threshold, parsed.temperature, vectorizer, model);
  }

  toJSON(): z.infer<typeof modelSchema> {
    return {
      version: MODEL_VERSION,
      intents: this.intents,
      threshold: this.threshold,
      temperature: this.temperature,
      vectorizer: this.vectorizer.toJSON(),
      model: this.model.toJSON(),
    };
  }

  /** Same model with another out-of-scope threshold (no retraining). */
  withThreshold(threshold: number): IntentEngine {
    return new IntentEngine(this.intents, threshold, this.temperature, this.vectorizer, this.model);
  }

  /** Calibrated probabilities of every intent, in `intents` order. */
  probabilities(text: string): Float64Array {
    return softmax(this.model.logits(this.vectorizer.transform(text)), this.temperature);
  }

  /**
   * Best intent with its calibrated confidence. When the best in-scope intent is below the
   * threshold (or `oos` wins outright) the intent is `oos` and its confidence is the probability
   * that the text is out of scope: the `oos` class's share, or one minus the best intent's.
   */
  classify(text: string): IntentPrediction {
    const p = this.probabilities(text);
    const ranked = [...p.keys()].sort((a, b) => p[b] - p[a]);
    const top = ranked[0];
    const alternatives = ranked.slice(1, 1 + ALTERNATIVES).map((c) => ({ intent: this.intents[c], confidence: p[c] }));
    const topIntent = this.intents[top];
    if (topIntent !== OOS && p[top] >= this.threshold) return { intent: topIntent, confidence: p[top], alternatives };
    if (topIntent === OOS) return { intent: OOS, confidence: p[top], alternatives };
    const oosIndex = this.intents.indexOf(OOS);
    const oosConfidence = Math.max(oosIndex >= 0 ? p[oosIndex] : 0, 1 - p[top]);
    const others = ranked.filter((c) => c !== oosIndex).slice(0, ALTERNATIVES);
    return { intent: OOS, confidence: oosConfidence, alternatives: others.map((c) => ({ intent: this.intents[c], confidence: p[c] })) };
  }
}

type Fit = (xs: SparseVector[], ys: number[]) => LinearModel;

// Softmax regression plus, unless its weight is 0, the scaled NB log-likelihoods in the same matrix.
function trainLinear(xs: SparseVector[], ys: number[], classes: number, features: number, sgd: Partial<SgdOptions>, nb: NaiveBayesOptions): LinearModel {
  const model = LinearModel.train(xs, ys, classes, features, sgd);
  if (nb.weight === 0) return model;
  return model.withAddedWeights(naiveBayesLogLikelihoods(xs, ys, classes, features, nb.alpha), nb.weight);
}

// A stratified share of each class (classes under 4 examples excepted) to fit the temperature on;
// undefined when calibration is off or the hold-out would be under 10 examples.
function calibrationHoldOut(ys: number[], seed: number, share: number): Set<number> | undefined {
  if (share <= 0) return undefined;
  const random = seededRandom(seed ^ 0x5eed);
  const byClass = new Map<number, number[]>();
  ys.forEach((y, i) => {
    const members = byClass.get(y);
    if (members) members.push(i);
    else byClass.set(y, [i]);
  });
  const held = new Set<number>();
  for (const members of byClass.values()) {
    if (members.length < 4) continue;
    for (const i of shuffle([...members], random).slice(0, Math.max(1, Math.floor(members.length * share)))) held.add(i);
  }
  return held.size < 10 ? undefined : held;
}

// Fits the softmax temperature on the hold-out; the final model is then trained on all data with
// the same settings, so the temperature slightly underestimates its sharpness (safe side).
function calibrate(xs: SparseVector[], ys: number[], held: Set<number>, fit: Fit): number {
  const trainIdx = ys.map((_, i) => i).filter((i) => !held.has(i));
  const probe = fit(trainIdx.map((i) => xs[i]), trainIdx.map((i) => ys[i]));
  const heldIdx = [...held];
  return fitTemperature(heldIdx.map((i) => probe.logits(xs[i])), heldIdx.map((i) => ys[i]));
}
