import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaqFileStore } from '../../../src/crm/reports/faq-file.store.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patron-faq-store-'));
  path = join(dir, 'faq.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('FaqFileStore undo', () => {
  it('puts the previous bytes back exactly, hand formatting included', async () => {
    const original = '{"entries": {}, "settings": {"shopName": "Hand edited"}}\n';
    writeFileSync(path, original);
    const store = new FaqFileStore(path);
    const written = await store.write({ entries: { a: 1 } }, (await store.read()).etag!);
    expect(readFileSync(path, 'utf8')).toMatch(/"a": 1/);
    await written.undo();
    expect(readFileSync(path, 'utf8')).toBe(original);
  });

  it('removes the file when there was none before', async () => {
    const store = new FaqFileStore(path);
    const written = await store.write({ entries: {} });
    expect(existsSync(path)).toBe(true);
    await written.undo();
    expect(existsSync(path)).toBe(false);
    expect((await store.read()).exists).toBe(false);
  });

  it('leaves a later write alone', async () => {
    const store = new FaqFileStore(path);
    const first = await store.write({ entries: { first: true } });
    await store.write({ entries: { second: true } });
    await first.undo();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ entries: { second: true } });
  });
});
