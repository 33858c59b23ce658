import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../../../src/storage/database.js';
import { describeCatalogContract } from './catalog.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeCatalogContract('PGlite (embedded)', () => openStore({ dataDir: dir }));
