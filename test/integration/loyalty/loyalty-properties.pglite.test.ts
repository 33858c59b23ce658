import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../../../src/storage/database.js';
import { describeLoyaltyProperties } from './loyalty-properties.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-loyalty-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeLoyaltyProperties('PGlite (embedded)', () => openStore({ dataDir: dir }));
