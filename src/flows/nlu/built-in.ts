/**
 * The built-in intent model: trained from the training phrases in `config/intents/*.json` and
 * cached on disk, keyed by a hash of those phrases, so a restart loads it in milliseconds.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ROOT_DIR } from '../../core/config.js';
import { IntentEngine, type IntentExample, type TrainOptions } from './intent-engine.js';

/** Folder of the shipped training phrases (`<repo>/config/intents`). */
export const DEFAULT_INTENTS_DIR = path.join(ROOT_DIR, 'config', 'intents');

/** Settings of the built-in model; part of the cache key, so changing them retrains. */
// 0.45 rather than the CLINC-tuned 0.3: the built-in oos class is small, and a made-up word
// must not reach a flow (Bitext 97.6% at 0.45 vs 97.8% at 0.3; nonsense → oos 10/12 vs 8/12).
export const BUILT_IN_TRAIN_OPTIONS: TrainOptions = { threshold: 0.45, seed: 7 };
// Bump when the feature extractor or trainer changes in a way that makes old caches wrong.
const RECIPE = 'patron-nlu-2';

const phrasesSchema = z.record(z.string(), z.array(z.string().min(1)));

/** Reads every `*.json` phrase file of a folder (`{intent: [phrase, …]}`) as examples, files in name order. */
export async function loadTrainingPhrases(dir = DEFAULT_INTENTS_DIR): Promise<IntentExample[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new Error(`no training phrase files (*.json) in ${dir}`);
  const examples: IntentExample[] = [];
  for (const file of files) {
    const full = path.join(dir, file);
    const parsed = phrasesSchema.safeParse(JSON.parse(await readFile(full, 'utf8')));
    if (!parsed.success) throw new Error(`${full}: expected {"<intent>": ["phrase", …]}: ${parsed.error.issues[0]?.message}`);
    for (const [intent, phrases] of Object.entries(parsed.data)) for (const text of phrases) examples.push({ text, intent });
  }
  return examples;
}

/** Where the trained model is cached: `DATA_DIR/nlu-model.json`, else under the OS temp folder. */
export function builtInCachePath(): string {
  const dir = process.env.DATA_DIR ? path.resolve(process.env.DATA_DIR) : path.join(os.tmpdir(), 'patron-nlu');
  return path.join(dir, 'nlu-model.json');
}

/** Cache key: the phrases, the training settings and the recipe version. */
export function trainingKey(examples: IntentExample[], options: TrainOptions = BUILT_IN_TRAIN_OPTIONS): string {
  return createHash('sha256').update(JSON.stringify({ RECIPE, options, examples })).digest('hex');
}

/** Options of `loadBuiltInEngine`, mainly for tests. */
export interface BuiltInOptions {
  intentsDir?: string;
  cachePath?: string;
}

const memo = new Map<string, Promise<IntentEngine>>();

/**
 * The built-in engine: from the cache when its key matches the current phrases, else trained
 * (well under a second) and cached. One load per process and cache path.
 */
export function loadBuiltInEngine(options: BuiltInOptions = {}): Promise<IntentEngine> {
  const cachePath = options.cachePath ?? builtInCachePath();
  const memoKey = `${options.intentsDir ?? DEFAULT_INTENTS_DIR}\u0000${cachePath}`;
  let pending = memo.get(memoKey);
  if (!pending) {
    pending = loadOrTrain(options.intentsDir ?? DEFAULT_INTENTS_DIR, cachePath);
    memo.set(memoKey, pending);
    pending.catch(() => memo.delete(memoKey));
  }
  return pending;
}

async function loadOrTrain(intentsDir: string, cachePath: string): Promise<IntentEngine> {
  const examples = await loadTrainingPhrases(intentsDir);
  const key = trainingKey(examples);
  // A model trained by any earlier run on this machine (same phrases, same recipe) is as good:
  // a fresh DATA_DIR then starts without training.
  const shared = path.join(os.tmpdir(), 'patron-nlu', `model-${key.slice(0, 24)}.json`);
  const cached = (await readCache(cachePath, key)) ?? (await readCache(shared, key));
  if (cached) {
    if (cachePath !== shared) await writeCacheIfMissing(cachePath, key, cached);
    return cached;
  }
  const engine = IntentEngine.train(examples, BUILT_IN_TRAIN_OPTIONS);
  await writeCache(cachePath, key, engine);
  if (cachePath !== shared) await writeCache(shared, key, engine);
  return engine;
}

async function readCache(cachePath: string, key: string): Promise<IntentEngine | undefined> {
  try {
    const data = JSON.parse(await readFile(cachePath, 'utf8')) as { key?: string; model?: unknown };
    return data.key === key ? IntentEngine.fromJSON(data.model) : undefined;
  } catch {
    // Missing, half-written or from an older version: retraining is cheap, so just do it.
    return undefined;
  }
}

async function writeCacheIfMissing(cachePath: string, key: string, engine: IntentEngine): Promise<void> {
  try {
    const data = JSON.parse(await readFile(cachePath, 'utf8')) as { key?: string };
    if (data.key === key) return;
  } catch {
    // missing or stale: write it
  }
  await writeCache(cachePath, key, engine);
}

async function writeCache(cachePath: string, key: string, engine: IntentEngine): Promise<void> {
  try {
    await mkdir(path.dirname(cachePath), { recursive: true });
    // Write then rename, so a concurrent reader never sees half a file.
    const tmp = `${cachePath}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, JSON.stringify({ key, model: engine.toJSON() }));
    await rename(tmp, cachePath);
  } catch {
    // A read-only disk only costs a retrain next time; the engine itself is fine.
  }
}
