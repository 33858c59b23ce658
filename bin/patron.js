#!/usr/bin/env node
// Entry point for `npx patron` and `npm start`: runs the TypeScript sources (through a cached esbuild
// bundle, or tsx's loader) so a checkout works right after `npm install`, with no build step.
// A built image runs dist/ instead.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

process.env.DOTENV_CONFIG_QUIET ??= 'true';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'index.js');
if (process.env.PATRON_USE_DIST === '1' && existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  // A cached esbuild bundle of src/ starts ~1 s faster than tsx loading each module (bin/bundle.js).
  const { bundledEntry } = await import('./bundle.js');
  const bundle = await bundledEntry(root, 'src/cli/index.ts');
  if (bundle) {
    process.setSourceMapsEnabled(true);
    await import(bundle);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import(pathToFileURL(join(root, 'src', 'cli', 'index.ts')).href);
  }
}
