import { describe, expect, it } from 'vitest';
import { allFlows } from '../../../src/flows/all-flows.js';
import type { Flow } from '../../../src/flows/flow.js';
import { FlowRouter } from '../../../src/flows/router.js';

const flow = (name: string, intents: string[]): Flow => ({ name, intents, start: async () => {} });

describe('flow router', () => {
  it('registers every built-in flow with no intent claimed twice', () => {
    expect(() => new FlowRouter(allFlows())).not.toThrow();
  });

  it('refuses two flows claiming the same intent', () => {
    expect(() => new FlowRouter([flow('a', ['x']), flow('b', ['x'])])).toThrow(/intent x is claimed by both a and b/);
  });

  it('covers every intent the classifier knows', async () => {
    const { loadTrainingPhrases } = await import('../../../src/flows/nlu/built-in.js');
    const intents = new Set((await loadTrainingPhrases()).map((e) => e.intent));
    const router = new FlowRouter(allFlows());
    const missing = [...intents].filter((i) => i !== 'oos' && !router.knows(i));
    expect(missing).toEqual([]);
  });
});
