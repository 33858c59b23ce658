/**
 * Intent engine benchmark: CLINC150 train → val and the built-in model → Bitext, each beside
 * natural's BayesClassifier trained on the same data in the same run.
 *
 * Run: `node bin/run-ts.js bench/nlu.bench.ts`. Skips cleanly when ../shared/data is absent.
 * CLINC150 is CC BY 3.0 (Larson et al., EMNLP 2019); Bitext is CDLA-Sharing-1.0.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadTrainingPhrases, BUILT_IN_TRAIN_OPTIONS } from '../src/flows/nlu/built-in.js';
import { readBitextCsv, readExamplesFile } from '../src/flows/nlu/datasets.js';
import { evaluate, type EvaluationReport, type IntentClassifierLike } from '../src/flows/nlu/eval.js';
import { IntentEngine, type IntentExample } from '../src/flows/nlu/intent-engine.js';
import { seededRandom, shuffle } from '../src/flows/nlu/intent-classifier.js';

process.env.DOTENV_CONFIG_QUIET ??= 'true';
import { row, type BenchReport, type BenchRow } from './harness.js';

const require = createRequire(import.meta.url);

interface NaturalBayes {
  addDocument(text: string, label: string): void;
  train(): void;
  classify(text: string): string;
}
// The submodule, not natural's index: the index loads storage back-ends that call dotenv.
const BayesClassifier = require('natural/lib/natural/classifiers/bayes_classifier.js') as new () => NaturalBayes;

/** Bayes classification is slow (dense per-class scoring); cap its test time, sampling if needed. */
const BAYES_BUDGET_MS = 120_000;

interface Row {
  trainSeconds: number;
  report: EvaluationReport;
  testedOn: number;
  note?: string;
}

function trainOurs(train: IntentExample[], options = {}): { model: IntentClassifierLike; seconds: number } {
  const t0 = performance.now();
  const model = IntentEngine.train(train, options);
  return { model, seconds: (performance.now() - t0) / 1000 };
}

function trainBayes(train: IntentExample[]): { model: IntentClassifierLike; seconds: number } {
  const t0 = performance.now();
  const bayes = new BayesClassifier();
  for (const e of train) bayes.addDocument(e.text, e.intent);
  bayes.train();
  return { model: { classify: (text) => ({ intent: bayes.classify(text) }) }, seconds: (performance.now() - t0) / 1000 };
}

function run(trained: { model: IntentClassifierLike; seconds: number }, test: IntentExample[], budgetMs = Infinity): Row {
  const probe = test.slice(0, 100);
  const t0 = performance.now();
  for (const e of probe) trained.model.classify(e.text);
  const projected = ((performance.now() - t0) / Math.max(1, probe.length)) * test.length;
  let sample = test;
  let note: string | undefined;
  if (projected > budgetMs) {
    const n = Math.max(200, Math.floor((budgetMs / projected) * test.length));
    sample = shuffle([...test], seededRandom(42)).slice(0, n);
    note = `subsampled ${n} of ${test.length} test lines (projected ${(projected / 1000).toFixed(0)} s)`;
  }
  return { trainSeconds: trained.seconds, report: evaluate(trained.model, sample), testedOn: sample.length, note };
}

function summary(row: Row): Record<string, unknown> {
  const r = row.report;
  return {
    accuracy: r.accuracy, inScopeAccuracy: r.inScopeAccuracy, oosRecall: r.oosRecall, oosPrecision: r.oosPrecision,
    macroF1: r.macroF1, trainSeconds: row.trainSeconds, classifyP50Ms: r.classifyP50Ms, classifyP99Ms: r.classifyP99Ms,
    testedOn: row.testedOn, ...(row.note ? { note: row.note } : {}),
  };
}

function compare(name: string, ours: Row, baseline: Row): Record<string, unknown> {
  return {
    name,
    ours: summary(ours),
    baseline: summary(baseline),
    accuracyRatio: ours.report.inScopeAccuracy / Math.max(1e-9, baseline.report.inScopeAccuracy),
    latencyRatioP50: baseline.report.classifyP50Ms / Math.max(1e-9, ours.report.classifyP50Ms),
  };
}

/** Runs both comparisons; returns `{skipped}` when the shared data folder is absent. */
export async function runNluBench(dataDir = path.resolve(process.cwd(), '../shared/data')): Promise<Record<string, unknown>> {
  const clincDir = path.join(dataDir, 'clinc150');
  const bitextFile = path.join(dataDir, 'bitext', 'dev_8175.csv');
  if (!existsSync(path.join(clincDir, 'train.jsonl')) || !existsSync(bitextFile)) {
    return { skipped: `shared data not found under ${dataDir}` };
  }
  const clincTrain = await readExamplesFile(path.join(clincDir, 'train.jsonl'));
  const clincVal = await readExamplesFile(path.join(clincDir, 'val.jsonl'));
  const clinc = compare('clinc150 train→val', run(trainOurs(clincTrain), clincVal), run(trainBayes(clincTrain), clincVal, BAYES_BUDGET_MS));
  const phrases = await loadTrainingPhrases();
  const bitext = await readBitextCsv(bitextFile);
  const builtIn = compare('built-in phrases→bitext', run(trainOurs(phrases, BUILT_IN_TRAIN_OPTIONS), bitext), run(trainBayes(phrases), bitext, BAYES_BUDGET_MS));
  return { clinc150: clinc, bitext: builtIn };
}

/** `npm run bench` entry: the CLINC150 and Bitext evaluations beside natural's BayesClassifier. */
export default async function nluBench(): Promise<BenchReport> {
  const result = await runNluBench();
  const name = 'intent engine vs natural BayesClassifier (same data, same run)';
  if (result.skipped) return { name, rows: [], skipped: String(result.skipped) };
  const rows: BenchRow[] = [];
  for (const [label, cmp] of [['CLINC150 train→val', result.clinc150], ['built-in phrases→Bitext', result.bitext]] as [string, Record<string, any>][]) {
    const o = cmp.ours as Record<string, number>;
    const b = cmp.baseline as Record<string, number>;
    rows.push(row(`${label}: in-scope accuracy`, o.inScopeAccuracy, b.inScopeAccuracy, 'share', { target: label.startsWith('CLINC') ? '≥ 0.94' : '≥ 0.92' }));
    if (label.startsWith('CLINC')) rows.push(row(`${label}: oos recall`, o.oosRecall, b.oosRecall, 'share', { target: '≥ 0.55' }));
    rows.push(row(`${label}: macro-F1`, o.macroF1, b.macroF1, 'share'));
    rows.push(row(`${label}: classify p50`, o.classifyP50Ms, b.classifyP50Ms, 'ms', { lowerIsBetter: true }));
    rows.push(row(`${label}: classify p99`, o.classifyP99Ms, b.classifyP99Ms, 'ms', { lowerIsBetter: true }));
    rows.push(row(`${label}: train`, o.trainSeconds, b.trainSeconds, 's', { lowerIsBetter: true, note: b.note ? String(b.note) : undefined }));
  }
  return { name, rows, extra: result };
}

const pct = (x: unknown): string => `${((x as number) * 100).toFixed(1)}%`;
const num = (x: unknown, d = 3): string => (x as number).toFixed(d);

function printTable(result: Record<string, unknown>): void {
  if (result.skipped) {
    console.log(`nlu bench skipped: ${String(result.skipped)}`);
    return;
  }
  const head = ['run', 'model', 'acc', 'in-scope', 'oos R', 'oos P', 'macroF1', 'train s', 'p50 ms', 'p99 ms', 'n'];
  console.log(head.map((h, i) => (i < 2 ? h.padEnd(i === 0 ? 26 : 10) : h.padStart(9))).join(''));
  for (const cmp of Object.values(result) as Record<string, unknown>[]) {
    for (const [label, s] of [['ours', cmp.ours], ['bayes', cmp.baseline]] as [string, Record<string, unknown>][]) {
      const cells = [pct(s.accuracy), pct(s.inScopeAccuracy), pct(s.oosRecall), pct(s.oosPrecision), pct(s.macroF1), num(s.trainSeconds, 2), num(s.classifyP50Ms), num(s.classifyP99Ms), String(s.testedOn)];
      console.log(String(cmp.name).padEnd(26) + label.padEnd(10) + cells.map((c) => c.padStart(9)).join(''));
      if (s.note) console.log(`  note: ${String(s.note)}`);
    }
    console.log(`  ratios: ours/bayes in-scope accuracy ${num(cmp.accuracyRatio)}, bayes/ours p50 latency ${num(cmp.latencyRatioP50, 1)}×`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printTable(await runNluBench());
}
