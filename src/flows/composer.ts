/** Express/grammY-style middleware: do work, then `await next()` to pass control on (or don't). */
export type Middleware<C> = (ctx: C, next: () => Promise<void>) => Promise<void>;

/**
 * A chain of middleware run in order. Each step decides whether the rest runs by calling next(),
 * so a stage such as "duplicate" or "agent owns this thread" can end the turn early.
 */
export class Composer<C> {
  private readonly stack: Middleware<C>[] = [];

  constructor(readonly name = 'composer') {}

  use(...middleware: Middleware<C>[]): this {
    this.stack.push(...middleware);
    return this;
  }

  /** The chain as one middleware, so composers nest. */
  middleware(): Middleware<C> {
    const stack = this.stack;
    return (ctx, next) => run(stack, 0, ctx, next);
  }

  /** Runs the whole chain for one context. */
  run(ctx: C): Promise<void> {
    return run(this.stack, 0, ctx, async () => {});
  }
}

function run<C>(stack: Middleware<C>[], i: number, ctx: C, last: () => Promise<void>): Promise<void> {
  if (i >= stack.length) return last();
  let called = false;
  return stack[i](ctx, () => {
    if (called) return Promise.reject(new Error('next() called twice'));
    called = true;
    return run(stack, i + 1, ctx, last);
  });
}
