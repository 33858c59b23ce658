#!/usr/bin/env node
// Runs one TypeScript file (benchmarks, scripts) through tsx's loader.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

process.env.DOTENV_CONFIG_QUIET ??= 'true';
const [file, ...rest] = process.argv.slice(2);
if (!file) { console.error('usage: run-ts FILE [args…]'); process.exit(2); }
process.argv = [process.argv[0], resolve(file), ...rest];
const { register } = await import('tsx/esm/api');
register();
await import(pathToFileURL(resolve(file)).href);
