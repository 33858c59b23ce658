import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../../../src/storage/database.js';
import { describeLoyaltyContract } from './loyalty.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-loyalty-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeLoyaltyContract('PGlite (embedded)', () => openStore({ dataDir: dir }));
