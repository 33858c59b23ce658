import { describe, expect, it } from 'vitest';
import { Vectorizer } from '../../../../src/flows/nlu/features.js';
import { LinearModel } from '../../../../src/flows/nlu/intent-classifier.js';
import { IntentEngine } from '../../../../src/flows/nlu/intent-engine.js';
import { naiveBayesLogLikelihoods } from '../../../../src/flows/nlu/naive-bayes.js';
import { syntheticExamples } from './synthetic-examples.js';

describe('naive-Bayes prior', () => {
  const examples = syntheticExamples();
  const vectorizer = Vectorizer.fit(examples.map((e) => e.text));
  const xs = examples.map((e) => vectorizer.transform(e.text));
  const intents = [...new Set(examples.map((e) => e.intent))];
  const ys = examples.map((e) => intents.indexOf(e.intent));

  it('gives each class a probability distribution over features', () => {
    const logp = naiveBayesLogLikelihoods(xs, ys, intents.length, vectorizer.size, 0.01);
    for (let c = 0; c < intents.length; c++) {
      let total = 0;
      for (let f = 0; f < vectorizer.size; f++) total += Math.exp(logp[f * intents.length + c]);
      expect(total).toBeCloseTo(1, 4);
    }
  });

  it('folds into the linear model as added weights', () => {
    const model = LinearModel.train(xs, ys, intents.length, vectorizer.size, { seed: 3 });
    const logp = naiveBayesLogLikelihoods(xs, ys, intents.length, vectorizer.size, 0.01);
    const folded = model.withAddedWeights(logp, 0.5);
    const x = xs[0];
    const nb = new Float64Array(intents.length);
    for (let k = 0; k < x.idx.length; k++) for (let c = 0; c < intents.length; c++) nb[c] += x.val[k] * logp[x.idx[k] * intents.length + c];
    const base = model.logits(x);
    const sum = folded.logits(x);
    for (let c = 0; c < intents.length; c++) expect(sum[c]).toBeCloseTo(base[c] + 0.5 * nb[c], 3);
    expect(() => model.withAddedWeights(new Float32Array(3), 1)).toThrow(/shape/);
  });

  it('is used only when a temperature is fitted, and can be turned off', () => {
    const many = Array.from({ length: 4 }, () => examples).flat();
    const withPrior = IntentEngine.train(many, { seed: 2 });
    const without = IntentEngine.train(many, { seed: 2, naiveBayes: { weight: 0 } });
    expect(withPrior.probabilities('where is my parcel')).not.toEqual(without.probabilities('where is my parcel'));
    const uncalibrated = IntentEngine.train(many, { seed: 2, calibrationShare: 0 });
    const uncalibratedNoPrior = IntentEngine.train(many, { seed: 2, calibrationShare: 0, naiveBayes: { weight: 0 } });
    expect(uncalibrated.probabilities('where is my parcel')).toEqual(uncalibratedNoPrior.probabilities('where is my parcel'));
  });
});
