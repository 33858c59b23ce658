import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBuiltInEngine, loadTrainingPhrases } from '../../../../src/flows/nlu/built-in.js';
import { readBitextCsv } from '../../../../src/flows/nlu/datasets.js';
import { evaluate } from '../../../../src/flows/nlu/eval.js';

const sharedData = path.resolve(process.cwd(), '../shared/data');
const bitext = path.join(sharedData, 'bitext', 'dev_8175.csv');
const hasBitext = existsSync(bitext);

describe('built-in intent model', () => {
  it('ships phrases in English and Chinese for every intent', async () => {
    const examples = await loadTrainingPhrases();
    const intents = new Set(examples.map((e) => e.intent));
    for (const intent of ['cancel_order', 'track_refund', 'greeting', 'product_question', 'redeem_points', 'unsubscribe', 'oos']) {
      expect(intents.has(intent)).toBe(true);
    }
    expect(examples.some((e) => /[\u4e00-\u9fff]/.test(e.text))).toBe(true);
  });

  it('loads the same model again from its cache', async () => {
    const cachePath = path.join(mkdtempSync(path.join(tmpdir(), 'patron-nlu-cache-')), 'nlu-model.json');
    const first = await loadBuiltInEngine({ cachePath });
    expect(existsSync(cachePath)).toBe(true);
    const { IntentEngine } = await import('../../../../src/flows/nlu/intent-engine.js');
    const { readFile } = await import('node:fs/promises');
    const cached = IntentEngine.fromJSON(JSON.parse(await readFile(cachePath, 'utf8')).model);
    expect(cached.classify('where is my parcel')).toEqual(first.classify('where is my parcel'));
  });

  it.skipIf(!hasBitext)('reaches at least 90% accuracy on the Bitext customer-service set', async () => {
    const engine = await loadBuiltInEngine({ cachePath: path.join(mkdtempSync(path.join(tmpdir(), 'patron-nlu-bitext-')), 'm.json') });
    const report = evaluate(engine, await readBitextCsv(bitext));
    expect(report.examples).toBeGreaterThan(8000);
    expect(report.accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it.runIf(!hasBitext)(`skips the Bitext check: ${sharedData} is absent`, () => {
    expect(hasBitext).toBe(false);
  });
});
