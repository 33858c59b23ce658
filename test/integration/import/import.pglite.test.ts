import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../../../src/storage/database.js';
import { describeImportContract } from './import.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-import-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeImportContract('PGlite (embedded)', () => openStore({ dataDir: dir }));
