import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS launcher helper without types
import { bundledEntry } from '../../../bin/bundle.js';

const bundle = bundledEntry as (root: string, entry: string) => Promise<string | null>;
const root = mkdtempSync(join(tmpdir(), 'patron-bundle-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(file: string, text: string): void {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), text);
}

describe('start-up bundle (bin/bundle.js)', () => {
  write('src/cli/index.ts', `import { answer } from './answer.js';\nexport const value: number = answer();\nexport const lazy = () => import('./later.js');\n`);
  write('src/cli/answer.ts', `export function answer(): number { return 41; }\n`);
  write('src/cli/later.ts', `export const later: string = 'loaded on demand';\n`);

  it('bundles TypeScript sources into a cache under node_modules/.cache, once', async () => {
    const first = await bundle(root, 'src/cli/index.ts');
    expect(first).toMatch(/node_modules\/\.cache\/patron\/src-cli-index-ts\/b-[^/]+\/index\.mjs$/);
    const mod = await import(first!);
    expect(mod.value).toBe(41);
    expect((await mod.lazy()).later).toBe('loaded on demand');
    expect(await bundle(root, 'src/cli/index.ts')).toBe(first);
  });

  it('rebuilds when a bundled source changes', async () => {
    const before = await bundle(root, 'src/cli/index.ts');
    write('src/cli/answer.ts', `export function answer(): number { return 42; } // changed\n`);
    const after = await bundle(root, 'src/cli/index.ts');
    expect(after).not.toBe(before);
    expect((await import(after!)).value).toBe(42);
  });

  it('falls back (null) on a source esbuild cannot parse, and when PATRON_NO_BUNDLE=1', async () => {
    write('src/cli/answer.ts', `export function answer(: number { return 43; }\n`);
    expect(await bundle(root, 'src/cli/index.ts')).toBeNull();
    write('src/cli/answer.ts', `export function answer(): number { return 44; }\n`);
    process.env.PATRON_NO_BUNDLE = '1';
    try {
      expect(await bundle(root, 'src/cli/index.ts')).toBeNull();
    } finally {
      delete process.env.PATRON_NO_BUNDLE;
    }
    expect((await import((await bundle(root, 'src/cli/index.ts'))!)).value).toBe(44);
  });
});
