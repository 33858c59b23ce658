import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../core/errors.js';
import type { Db } from '../../storage/database.js';
import { BUILT_IN_TRAIN_OPTIONS, DEFAULT_INTENTS_DIR, loadTrainingPhrases } from '../../flows/nlu/built-in.js';
import { IntentEngine } from '../../flows/nlu/intent-engine.js';
import type { IntentClassifier } from '../../flows/understand.js';
import type { TrainingPhrase } from './admin.types.js';
import { TrainingPhrasesRepository } from './training-phrases.repository.js';

export interface IntentSummary {
  name: string;
  /** Phrases per locale, shipped and added together. */
  phrases: Record<string, number>;
  total: number;
  /** How many of them were added through the admin API. */
  added: number;
}

export interface RetrainResult {
  intents: number;
  examples: number;
  added: number;
  trainedInMs: number;
  swapped: boolean;
}

export interface IntentAdminDeps {
  db: Db;
  intentsDir?: string;
  /** Receives each retrained engine (the pipeline swaps its classifier). */
  setClassifier?: (engine: IntentClassifier) => void;
  /** The classifier in use at start, for `classify` before the first retrain. */
  classifier?: IntentClassifier;
}

/**
 * Intents and their training phrases: the shipped `config/intents/<locale>.json` files plus the
 * phrases admins add (stored in the database, so they survive restarts and are shared by every
 * instance), and retraining the built-in model from both.
 */
export class IntentAdminService {
  private readonly repo: TrainingPhrasesRepository;
  private readonly dir: string;
  private current: IntentClassifier | undefined;
  private training: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: IntentAdminDeps) {
    this.repo = new TrainingPhrasesRepository(deps.db);
    this.dir = deps.intentsDir ?? DEFAULT_INTENTS_DIR;
    this.current = deps.classifier;
  }

  async list(): Promise<IntentSummary[]> {
    const all = await this.catalogue();
    return [...all.entries()]
      .map(([name, phrases]) => {
        const byLocale: Record<string, number> = {};
        for (const p of phrases) byLocale[p.locale] = (byLocale[p.locale] ?? 0) + 1;
        return { name, phrases: byLocale, total: phrases.length, added: phrases.filter((p) => p.source === 'admin').length };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string, locale?: string): Promise<{ name: string; phrases: TrainingPhrase[] }> {
    const phrases = (await this.catalogue()).get(name);
    if (!phrases) throw new AppError('not_found', `intent ${name} does not exist`);
    return { name, phrases: locale ? phrases.filter((p) => p.locale === locale) : phrases };
  }

  /** Adds phrases to a known intent; phrases it already has (any case or spacing) are reported as skipped. */
  /** `audit` runs in the insert's transaction and gets the phrases added (they and the audit row commit together). */
  async addPhrases(name: string, locale: string, texts: string[], by: string, audit?: (trx: Db, added: string[]) => Promise<void>): Promise<{ added: string[]; skipped: string[] }> {
    const phrases = (await this.catalogue()).get(name);
    if (!phrases) throw new AppError('not_found', `intent ${name} does not exist; phrases can only be added to an existing intent`);
    const known = new Set(phrases.map((p) => normalise(p.text)));
    const fresh: string[] = [];
    const skipped: string[] = [];
    for (const text of texts) {
      const key = normalise(text);
      if (known.has(key)) skipped.push(text);
      else {
        known.add(key);
        fresh.push(text.trim());
      }
    }
    const added = await this.deps.db.transaction().execute(async (trx) => {
      const stored = await new TrainingPhrasesRepository(trx).add(name, locale, fresh, by);
      await audit?.(trx, stored);
      return stored;
    });
    skipped.push(...fresh.filter((t) => !added.includes(t)));
    return { added, skipped };
  }

  /** Trains a new model from shipped + added phrases and hands it to `setClassifier`; one training at a time. */
  retrain(beforeSwap?: (result: RetrainResult) => Promise<void>): Promise<RetrainResult> {
    const run = this.training.then(() => this.train(beforeSwap));
    this.training = run.catch(() => {});
    return run;
  }

  /**
   * At start-up: the built-in model knows only the shipped phrases, so retrain when admins have
   * added any (null when there are none). Call once the app is serving; training blocks ~1 s.
   */
  async retrainIfAdded(): Promise<RetrainResult | null> {
    return (await this.repo.count()) > 0 ? this.retrain() : null;
  }

  /** The current model's answer for `text` (the retrained one once there is one). */
  classify(text: string): { intent: string; confidence: number } {
    if (!this.current) throw new AppError('unavailable', 'no classifier is available yet; retrain first');
    const r = this.current.classify(text);
    return { intent: r.intent, confidence: r.confidence };
  }

  /** Trains, then runs `beforeSwap` (the audit row: if it cannot be written, the old model stays), then swaps. */
  private async train(beforeSwap?: (result: RetrainResult) => Promise<void>): Promise<RetrainResult> {
    const shipped = await loadTrainingPhrases(this.dir);
    const stored = await this.repo.all();
    const examples = [...shipped, ...stored.map((p) => ({ text: p.text, intent: p.intent }))];
    const started = performance.now();
    const engine = IntentEngine.train(examples, BUILT_IN_TRAIN_OPTIONS);
    const trainedInMs = Math.round(performance.now() - started);
    const result = { intents: engine.intents.length, examples: examples.length, added: stored.length, trainedInMs, swapped: Boolean(this.deps.setClassifier) };
    await beforeSwap?.(result);
    this.current = engine;
    this.deps.setClassifier?.(engine);
    return result;
  }

  /** Every intent with its phrases; a shipped file's name is its locale (`en.json`, `zh-CN.json`). */
  private async catalogue(): Promise<Map<string, TrainingPhrase[]>> {
    const out = new Map<string, TrainingPhrase[]>();
    const push = (intent: string, p: TrainingPhrase) => {
      const list = out.get(intent) ?? [];
      list.push(p);
      out.set(intent, list);
    };
    const files = (await readdir(this.dir)).filter((f) => f.endsWith('.json')).sort();
    for (const file of files) {
      const locale = file.replace(/\.json$/, '');
      const data = JSON.parse(await readFile(path.join(this.dir, file), 'utf8')) as Record<string, string[]>;
      for (const [intent, texts] of Object.entries(data)) for (const text of texts) push(intent, { text, locale, source: 'config' });
    }
    for (const p of await this.repo.all()) push(p.intent, { text: p.text, locale: p.locale, source: 'admin', createdBy: p.createdBy, createdAt: p.createdAt });
    return out;
  }
}

function normalise(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, ' ');
}
