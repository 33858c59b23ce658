import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../../../src/storage/database.js';
import { describeSegmentContract } from './segments.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-segments-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeSegmentContract('PGlite (embedded)', () => openStore({ dataDir: dir }));
