import { createHash } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { AppError } from '../../core/errors.js';

/** The FAQ file as the admin API sees it; `etag` changes whenever the bytes do. */
export interface FaqFileState {
  exists: boolean;
  etag: string | null;
  /** Parsed content, or null when the file is absent or is not JSON (e.g. half-edited by hand). */
  faq: unknown;
  problem?: string;
}

/**
 * Reads and replaces `config/faq.json`. Reads happen at request time (someone may edit the file
 * by hand); writes go to a temp file that is renamed over the old one, so a reader never sees half
 * a file, and an `If-Match` etag refuses to overwrite a change made since the caller read it.
 */
export class FaqFileStore {
  private writing: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  async read(): Promise<FaqFileState> {
    let raw: string;
    try {
      raw = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, etag: null, faq: null };
      throw err;
    }
    const etag = etagOf(raw);
    try {
      return { exists: true, etag, faq: JSON.parse(raw) };
    } catch (err) {
      return { exists: true, etag, faq: null, problem: `faq.json is not valid JSON: ${(err as Error).message}` };
    }
  }

  /** Writes `faq` (already validated) atomically; with `ifMatch`, only over the version that etag names. */
  write(faq: unknown, ifMatch?: string): Promise<{ etag: string }> {
    const run = this.writing.then(() => this.replace(faq, ifMatch));
    this.writing = run.catch(() => {});
    return run;
  }

  private async replace(faq: unknown, ifMatch?: string): Promise<{ etag: string }> {
    if (ifMatch) {
      const current = await this.read();
      const expected = ifMatch.replace(/^W\//, '').replace(/"/g, '');
      if (current.etag !== expected) throw new AppError('conflict', `faq.json changed since it was read (etag ${current.etag ?? 'none'}, If-Match ${expected}); reload and apply the edit again`);
    }
    const text = `${JSON.stringify(faq, null, 2)}\n`;
    const tmp = `${this.path}.${process.pid}.${Date.now()}.tmp`;
    try {
      await writeFile(tmp, text, 'utf8');
      await rename(tmp, this.path);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw new AppError('unavailable', `could not write ${this.path}: ${(err as Error).message}`);
    }
    return { etag: etagOf(text) };
  }
}

function etagOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
