interface Waiting<I, O> {
  input: I;
  resolve: (output: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Group calls into one statement: calls made in the same tick, and those made while a batch is in
 * flight, go together to `run`, and each caller gets its own answer (`run` returns one output per
 * input, in order). Under light load a call runs alone with no added delay; under load this keeps a
 * store's per-statement cost (PGlite's one connection, a server's round trip) off each call. A
 * failed batch fails every call in it; the next batch is tried afresh.
 */
export class Batcher<I, O> {
  private queue: Array<Waiting<I, O>> = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly run: (inputs: I[]) => Promise<O[]>, private readonly maxBatch = 256) {}

  call(input: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.flushing) this.flushing = this.drain();
    });
  }

  /** Resolves when everything queued so far has run. */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async drain(): Promise<void> {
    // Let the current tick's calls join the first batch.
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const outputs = await this.run(batch.map((w) => w.input));
          batch.forEach((w, i) => w.resolve(outputs[i]));
        } catch (err) {
          batch.forEach((w) => w.reject(err));
        }
      }
    } finally {
      this.flushing = null;
    }
  }
}
