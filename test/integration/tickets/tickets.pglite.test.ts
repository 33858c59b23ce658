import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../../../src/storage/database.js';
import { describeTicketContract } from './tickets.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-tickets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeTicketContract('PGlite (embedded)', () => openStore({ dataDir: dir }));
