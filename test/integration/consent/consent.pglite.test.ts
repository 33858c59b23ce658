import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../../../src/storage/database.js';
import { describeConsentContract } from './consent.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-consent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeConsentContract('PGlite (embedded)', () => openStore({ dataDir: dir }));
