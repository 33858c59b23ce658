/**
 * Evaluation of an intent engine on labelled examples, with the out-of-scope metrics of
 * Larson et al. (2019): in-scope accuracy counts an `oos` answer as wrong; oos recall and
 * precision treat `oos` as the positive class.
 */
import { OOS, type IntentExample } from './intent-engine.js';

/** Anything that classifies text; the engine and the baselines both fit. */
export interface IntentClassifierLike {
  classify(text: string): { intent: string };
}

/** Precision/recall/F1 of one intent. */
export interface IntentScore {
  intent: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Metrics of one evaluation run; rates are fractions in 0..1. */
export interface EvaluationReport {
  examples: number;
  accuracy: number;
  inScopeAccuracy: number;
  oosRecall: number;
  oosPrecision: number;
  /** Mean F1 over gold intents (oos included when present). */
  macroF1: number;
  perIntent: IntentScore[];
  /** Most frequent (gold → predicted) mistakes. */
  confusion: { gold: string; predicted: string; count: number }[];
  classifyP50Ms: number;
  classifyP99Ms: number;
}

/** Value at quantile `q` (0..1) of an ascending array, nearest rank. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Classifies every test example once, timing each call, and computes the report. */
export function evaluate(engine: IntentClassifierLike, testExamples: IntentExample[], topConfusions = 10): EvaluationReport {
  const predicted: string[] = [];
  const times: number[] = [];
  // Untimed warm-up so the percentiles measure steady-state calls, not the JIT compiling them.
  for (const example of testExamples.slice(0, 50)) engine.classify(example.text);
  for (const example of testExamples) {
    const start = performance.now();
    predicted.push(engine.classify(example.text).intent);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return {
    ...scorePredictions(testExamples.map((e) => e.intent), predicted, topConfusions),
    classifyP50Ms: quantile(times, 0.5),
    classifyP99Ms: quantile(times, 0.99),
  };
}

/** Metrics from gold and predicted labels alone (no timing). */
export function scorePredictions(gold: string[], predicted: string[], topConfusions = 10): Omit<EvaluationReport, 'classifyP50Ms' | 'classifyP99Ms'> {
  const tp = new Map<string, number>();
  const goldCount = new Map<string, number>();
  const predCount = new Map<string, number>();
  const mistakes = new Map<string, number>();
  let correct = 0;
  let inScope = 0;
  let inScopeCorrect = 0;
  const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
  gold.forEach((g, i) => {
    const p = predicted[i];
    bump(goldCount, g);
    bump(predCount, p);
    if (g === p) {
      correct++;
      bump(tp, g);
    } else bump(mistakes, `${g}\u0000${p}`);
    if (g !== OOS) {
      inScope++;
      if (g === p) inScopeCorrect++;
    }
  });
  const perIntent = [...goldCount.keys()].sort().map((intent) => {
    const hits = tp.get(intent) ?? 0;
    const precision = ratio(hits, predCount.get(intent) ?? 0);
    const recall = ratio(hits, goldCount.get(intent) ?? 0);
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { intent, precision, recall, f1, support: goldCount.get(intent) ?? 0 };
  });
  const confusion = [...mistakes.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, topConfusions)
    .map(([key, count]) => {
      const [g, p] = key.split('\u0000');
      return { gold: g, predicted: p, count };
    });
  return {
    examples: gold.length,
    accuracy: ratio(correct, gold.length),
    inScopeAccuracy: ratio(inScopeCorrect, inScope),
    oosRecall: ratio(tp.get(OOS) ?? 0, goldCount.get(OOS) ?? 0),
    oosPrecision: ratio(tp.get(OOS) ?? 0, predCount.get(OOS) ?? 0),
    macroF1: ratio(perIntent.reduce((s, x) => s + x.f1, 0), perIntent.length),
    perIntent,
    confusion,
  };
}
