import { describe, expect, it } from 'vitest';
import { IntentEngine } from '../../../../src/flows/nlu/intent-engine.js';
import { evaluate, scorePredictions } from '../../../../src/flows/nlu/eval.js';
import { syntheticExamples } from './synthetic-examples.js';

describe('IntentEngine', () => {
  const engine = IntentEngine.train(syntheticExamples(), { seed: 1 });

  it('classifies paraphrases of the trained intents', () => {
    expect(engine.classify('where is my package').intent).toBe('track_order');
    expect(engine.classify('I would like my money back').intent).toBe('get_refund');
    expect(engine.classify('hello!').intent).toBe('greeting');
    expect(engine.intents).toEqual(['get_refund', 'greeting', 'oos', 'track_order']);
  });

  it('returns a confidence in 0..1 and ranked alternatives', () => {
    const p = engine.classify('track my order');
    expect(p.confidence).toBeGreaterThan(0);
    expect(p.confidence).toBeLessThanOrEqual(1);
    expect(p.alternatives.length).toBeGreaterThan(0);
    for (const alt of p.alternatives) expect(alt.confidence).toBeLessThanOrEqual(p.confidence);
  });

  it('answers oos for off-topic text and for anything under the threshold', () => {
    expect(engine.classify('tell me a joke about the weather').intent).toBe('oos');
    const strict = engine.withThreshold(0.999);
    expect(strict.classify('where is my package').intent).toBe('oos');
    expect(engine.withThreshold(0).classify('where is my package').intent).toBe('track_order');
  });

  it('applies the threshold even without an oos class', () => {
    const noOos = IntentEngine.train(syntheticExamples().filter((e) => e.intent !== 'oos'), { threshold: 0.9 });
    expect(noOos.threshold).toBe(0.9);
    expect(noOos.classify('zzz qqq xxx').intent).toBe('oos');
  });

  it('gives identical predictions after a toJSON/fromJSON round trip', () => {
    const copy = IntentEngine.fromJSON(JSON.parse(JSON.stringify(engine.toJSON())));
    for (const text of ['where is my order', 'refund', 'hi', 'what is the weather', '我的订单']) {
      expect(copy.classify(text)).toEqual(engine.classify(text));
    }
    expect(copy.threshold).toBe(engine.threshold);
  });

  it('trains deterministically for a given seed', () => {
    const again = IntentEngine.train(syntheticExamples(), { seed: 1 });
    expect(again.classify('has my order shipped yet').confidence).toBe(engine.classify('has my order shipped yet').confidence);
  });

  it('refuses a malformed model document', () => {
    expect(() => IntentEngine.fromJSON({ version: 1, intents: [] })).toThrow();
    const doc = engine.toJSON();
    expect(() => IntentEngine.fromJSON({ ...doc, intents: doc.intents.slice(1) })).toThrow(/shape/);
  });

  it('refuses to train on nothing', () => {
    expect(() => IntentEngine.train([])).toThrow(/no training examples/);
  });
});

describe('evaluate', () => {
  it('counts an oos answer as wrong for in-scope accuracy and scores oos recall and precision', () => {
    const s = scorePredictions(['a', 'a', 'b', 'oos', 'oos'], ['a', 'oos', 'b', 'oos', 'a']);
    expect(s.inScopeAccuracy).toBeCloseTo(2 / 3);
    expect(s.oosRecall).toBeCloseTo(1 / 2);
    expect(s.oosPrecision).toBeCloseTo(1 / 2);
    expect(s.accuracy).toBeCloseTo(3 / 5);
    expect(s.confusion[0]).toEqual({ gold: 'a', predicted: 'oos', count: 1 });
  });

  it('reports timing quantiles and per-intent scores for an engine', () => {
    const engine = IntentEngine.train(syntheticExamples());
    const report = evaluate(engine, syntheticExamples());
    expect(report.accuracy).toBeGreaterThan(0.9);
    expect(report.classifyP50Ms).toBeGreaterThan(0);
    expect(report.classifyP99Ms).toBeGreaterThanOrEqual(report.classifyP50Ms);
    expect(report.perIntent.map((s) => s.intent)).toEqual(['get_refund', 'greeting', 'oos', 'track_order']);
  });
});
