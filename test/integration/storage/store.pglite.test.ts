import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../../../src/storage/database.js';
import { describeStoreContract } from './store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-pglite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStoreContract('PGlite (embedded)', () => openStore({ dataDir: dir }));
