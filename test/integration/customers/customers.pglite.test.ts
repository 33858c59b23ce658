import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../../../src/storage/database.js';
import { describeCustomersContract } from './customers.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-customers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeCustomersContract('PGlite (embedded)', () => openStore({ dataDir: dir }));
