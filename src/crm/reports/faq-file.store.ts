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

/** A replaced FAQ: its new etag, and how to put the previous bytes back (see `undo`). */
export interface FaqWrite {
  etag: string;
  /**
   * Puts back the file as it was before this write (none, if there was none), unless it has changed
   * again since: for a write whose audit transaction failed to commit after the file was replaced.
   */
  undo: () => Promise<void>;
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
    const raw = await this.readRaw();
    if (raw === null) return { exists: false, etag: null, faq: null };
    const etag = etagOf(raw);
    try {
      return { exists: true, etag, faq: JSON.parse(raw) };
    } catch (err) {
      return { exists: true, etag, faq: null, problem: `faq.json is not valid JSON: ${(err as Error).message}` };
    }
  }

  /** Writes `faq` (already validated) atomically; with `ifMatch`, only over the version that etag names. */
  write(faq: unknown, ifMatch?: string): Promise<FaqWrite> {
    return this.serial(() => this.replace(faq, ifMatch));
  }

  /** One write (or undo) at a time, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writing.then(fn);
    this.writing = run.catch(() => {});
    return run;
  }

  private async replace(faq: unknown, ifMatch?: string): Promise<FaqWrite> {
    const before = await this.readRaw();
    if (ifMatch) {
      const expected = ifMatch.replace(/^W\//, '').replace(/"/g, '');
      const current = before === null ? null : etagOf(before);
      if (current !== expected) throw new AppError('conflict', `faq.json changed since it was read (etag ${current ?? 'none'}, If-Match ${expected}); reload and apply the edit again`);
    }
    const text = `${JSON.stringify(faq, null, 2)}\n`;
    await this.put(text);
    const etag = etagOf(text);
    return {
      etag,
      // Only over our own bytes: a later write (or a hand edit) since then stands.
      undo: () => this.serial(async () => {
        const now = await this.readRaw();
        if (now === null || etagOf(now) !== etag) return;
        if (before === null) await unlink(this.path).catch(() => {});
        else await this.put(before);
      }),
    };
  }

  /** The file's bytes, or null when there is none. */
  private async readRaw(): Promise<string | null> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  private async put(text: string): Promise<void> {
    const tmp = `${this.path}.${process.pid}.${Date.now()}.tmp`;
    try {
      await writeFile(tmp, text, 'utf8');
      await rename(tmp, this.path);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw new AppError('unavailable', `could not write ${this.path}: ${(err as Error).message}`);
    }
  }
}

function etagOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
