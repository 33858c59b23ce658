import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../../../src/storage/database.js';
import { describeAuditInTransactionContract } from './audit-in-transaction.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-audit-trx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeAuditInTransactionContract('PGlite (embedded)', () => openStore({ dataDir: dir }));
