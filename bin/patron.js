#!/usr/bin/env node
// Entry point for `npx patron` and `npm start`: runs the TypeScript sources through tsx's loader
// so a checkout works right after `npm install`, with no build step. A built image runs dist/ instead.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

process.env.DOTENV_CONFIG_QUIET ??= 'true';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'index.js');
if (process.env.PATRON_USE_DIST === '1' && existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', 'cli', 'index.ts')).href);
}
