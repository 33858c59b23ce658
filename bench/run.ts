import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { printReport, type BenchReport } from './harness.js';

/**
 * `npm run bench [name…]`: runs every bench/*.bench.ts (or those whose name contains an argument)
 * one after another, printing each report; `--json` prints all reports as one JSON array at the end.
 */
const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const filters = args.filter((a) => !a.startsWith('--'));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const reports: BenchReport[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default?: () => Promise<BenchReport> };
  if (typeof mod.default !== 'function') continue;
  const started = Date.now();
  try {
    const report = await mod.default();
    reports.push(report);
    printReport(report);
  } catch (err) {
    const report = { name: file, rows: [], skipped: `failed: ${(err as Error).stack ?? err}` };
    reports.push(report);
    printReport(report);
    process.exitCode = 1;
  }
  process.stdout.write(`(${file} took ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
if (json) process.stdout.write(JSON.stringify(reports, null, 2) + '\n');
