// Start-up bundle for running a checkout without a build step.
//
// Loading ~240 TypeScript modules one by one through tsx's loader hooks costs about a second of every
// start. Instead, esbuild (the transpiler tsx itself uses) bundles src/ into a few ES modules under
// node_modules/.cache/patron/ — ~120 ms, once — and later starts import that directly. Packages stay
// external, dynamic imports become lazily loaded chunks (bolt, telegraf and nodemailer still load only
// when their channel is configured). The bundle is rebuilt when any bundled source file changes (size
// or mtime), when esbuild or Node change, or when PATRON_NO_BUNDLE=1 skips it altogether (tsx then
// loads src/ directly). Any failure here falls back to tsx, which reports errors in its own way.
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const KEEP_OLD_BUILDS_MS = 60 * 60 * 1000;

/** The file: URL of a fresh bundle of `entry` (relative to `root`), building it if needed; null to use tsx instead. */
export async function bundledEntry(root, entry) {
  if (process.env.PATRON_NO_BUNDLE === '1') return null;
  const cacheDir = join(root, 'node_modules', '.cache', 'patron', entry.replace(/[^a-z0-9]+/gi, '-'));
  const currentFile = join(cacheDir, 'current.json');
  try {
    const current = readCurrent(currentFile);
    if (current && isFresh(root, current)) return pathToFileURL(join(cacheDir, current.dir, 'index.mjs')).href;
    const { build, version } = await import('esbuild');
    const dir = `b-${Date.now().toString(36)}-${process.pid}`;
    const result = await build({
      absWorkingDir: root,
      entryPoints: { index: entry },
      outdir: join(cacheDir, dir),
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = {};
    for (const file of Object.keys(result.metafile.inputs)) {
      const s = statSync(join(root, file));
      inputs[file] = [s.size, s.mtimeMs];
    }
    const record = { dir, esbuild: version, node: process.version, inputs };
    // Written beside, then renamed: a concurrent start reads either the old record or this one.
    const tmp = `${currentFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(record));
    renameSync(tmp, currentFile);
    pruneOldBuilds(cacheDir, dir);
    return pathToFileURL(join(cacheDir, dir, 'index.mjs')).href;
  } catch {
    return null;
  }
}

function readCurrent(file) {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function isFresh(root, current) {
  if (current.node !== process.version) return false;
  try {
    if (createRequire(import.meta.url)('esbuild/package.json').version !== current.esbuild) return false;
  } catch {
    return false;
  }
  for (const [file, [size, mtimeMs]] of Object.entries(current.inputs)) {
    let s;
    try {
      s = statSync(join(root, file));
    } catch {
      return false;
    }
    if (s.size !== size || s.mtimeMs !== mtimeMs) return false;
  }
  return true;
}

/** Removes builds other than `keep` that are over an hour old (a running process may still load chunks from a recent one). */
function pruneOldBuilds(cacheDir, keep) {
  const now = Date.now();
  for (const name of readdirSync(cacheDir)) {
    if (!name.startsWith('b-') || name === keep) continue;
    const path = join(cacheDir, name);
    try {
      if (now - statSync(path).mtimeMs > KEEP_OLD_BUILDS_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // another process pruned it first
    }
  }
}
