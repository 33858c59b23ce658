import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../../../src/storage/database.js';
import { describeOrdersContract } from './orders.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-orders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeOrdersContract('PGlite (embedded)', () => openStore({ dataDir: dir }));
