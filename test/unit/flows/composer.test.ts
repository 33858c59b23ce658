import { describe, expect, it } from 'vitest';
import { Composer } from '../../../src/flows/composer.js';

describe('composer', () => {
  it('runs middleware in order and lets each one stop the chain', async () => {
    const seen: string[] = [];
    const c = new Composer<{ stop: boolean }>()
      .use(async (_ctx, next) => {
        seen.push('a');
        await next();
        seen.push('a-after');
      })
      .use(async (ctx, next) => {
        seen.push('b');
        if (!ctx.stop) await next();
      })
      .use(async () => {
        seen.push('c');
      });
    await c.run({ stop: false });
    expect(seen).toEqual(['a', 'b', 'c', 'a-after']);
    seen.length = 0;
    await c.run({ stop: true });
    expect(seen).toEqual(['a', 'b', 'a-after']);
  });

  it('nests composers as middleware', async () => {
    const seen: number[] = [];
    const inner = new Composer<object>().use(async (_c, next) => (seen.push(2), next()));
    await new Composer<object>().use(async (_c, next) => (seen.push(1), next()), inner.middleware(), async () => void seen.push(3)).run({});
    expect(seen).toEqual([1, 2, 3]);
  });

  it('refuses a middleware that calls next twice', async () => {
    const c = new Composer<object>().use(async (_c, next) => {
      await next();
      await next();
    });
    await expect(c.run({})).rejects.toThrow(/next\(\) called twice/);
  });
});
