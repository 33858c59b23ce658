import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../../src/core/config.js';
import { MIGRATION_NAMES, MIGRATIONS } from '../../../src/storage/migration-list.js';

describe('the shipped migration list', () => {
  it('names every file in src/storage/migrations, each with up and down', () => {
    const files = readdirSync(join(ROOT_DIR, 'src', 'storage', 'migrations'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(MIGRATION_NAMES).toEqual(files);
    for (const name of files) {
      expect(typeof MIGRATIONS[name].up, name).toBe('function');
      expect(typeof MIGRATIONS[name].down, name).toBe('function');
    }
  });

  it('finds the repository root from the module location', () => {
    expect(readdirSync(ROOT_DIR)).toEqual(expect.arrayContaining(['package.json', 'config', 'src']));
  });
});
