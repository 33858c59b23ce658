import { describe, expect, it } from 'vitest';
import { Batcher } from '../../../src/storage/batcher.js';

function recording(delayMs = 5) {
  const batches: number[][] = [];
  const batcher = new Batcher<number, number>(async (xs) => {
    batches.push(xs);
    await new Promise((r) => setTimeout(r, delayMs));
    if (xs.includes(-1)) throw new Error('bad input in batch');
    return xs.map((x) => x * 10);
  }, 4);
  return { batches, batcher };
}

describe('Batcher', () => {
  it('runs calls of the same tick together and answers each its own result', async () => {
    const { batches, batcher } = recording();
    expect(await Promise.all([1, 2, 3].map((x) => batcher.call(x)))).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('gathers calls made while a batch is in flight into the next one, and keeps to the largest batch', async () => {
    const { batches, batcher } = recording();
    const first = batcher.call(1);
    await new Promise((r) => setImmediate(r)); // the first batch is now running
    const later = [2, 3, 4, 5, 6, 7].map((x) => batcher.call(x));
    expect(await Promise.all([first, ...later])).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(batches).toEqual([[1], [2, 3, 4, 5], [6, 7]]);
  });

  it('fails every call of a failed batch, and only those', async () => {
    const { batcher } = recording();
    const a = batcher.call(1);
    const b = batcher.call(-1);
    await expect(a).rejects.toThrow(/bad input/);
    await expect(b).rejects.toThrow(/bad input/);
    expect(await batcher.call(2)).toBe(20);
  });

  it('idle resolves once everything queued has run', async () => {
    const { batches, batcher } = recording(20);
    void batcher.call(1);
    void batcher.call(2);
    await batcher.idle();
    expect(batches.flat()).toEqual([1, 2]);
  });
});
