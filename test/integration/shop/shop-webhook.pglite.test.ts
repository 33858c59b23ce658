import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '../../../src/storage/database.js';
import { describeShopWebhookContract } from './shop-webhook.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-shop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeShopWebhookContract('PGlite (embedded)', () => openStore({ dataDir: dir }));
