import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../../../src/storage/database.js';
import { describeCampaignContract } from './campaigns.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-campaigns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeCampaignContract('PGlite (embedded)', () => openStore({ dataDir: dir }));
