import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '../../../src/core/ids.js';
import { signShopBody } from '../../../src/crm/shop/index.js';
import type { IntentClassifier } from '../../../src/flows/understand.js';
import { buildAdminApi, type AdminApi } from '../../../src/http/routes/api/index.js';
import type { App } from '../../../src/main.js';
import { startTestApp, tempDataDir } from '../../helpers/app.js';

export const ADMIN = 'admin-token-for-admin-api-tests-0123';
export const SHOP_SECRET = 'shop-secret-for-admin-api-tests';

export interface AdminKit {
  app: App;
  api: AdminApi;
  url: string;
  /** Engines handed to `setClassifier` by retrains, newest last. */
  swapped: IntentClassifier[];
  /** A temp copy of config/faq.json that PUT /api/faq writes. */
  faqPath: string;
  call(method: string, path: string, opts?: { token?: string | null; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  /** Creates a staff member with `role` and returns their token. */
  tokenFor(role: 'admin' | 'agent' | 'marketer', name?: string): Promise<string>;
  /** Posts a signed shop webhook event. */
  shop(type: string, data: Record<string, unknown>): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A real app (embedded PGlite, no demo data) with the admin API as startApp mounts it, editing a
 * temp copy of faq.json.
 */
export async function startAdminKit(options: { classifier?: IntentClassifier } = {}): Promise<AdminKit> {
  const data = tempDataDir('patron-admin-');
  const configCopy = mkdtempSync(join(tmpdir(), 'patron-admin-config-'));
  const faqPath = join(configCopy, 'faq.json');
  cpSync(join(process.cwd(), 'config', 'faq.json'), faqPath);
  const swapped: IntentClassifier[] = [];
  const classifier = options.classifier ?? { classify: () => ({ intent: 'oos', confidence: 0 }) };
  const app = await startTestApp(
    { DATA_DIR: data.dir, ADMIN_TOKEN: ADMIN, DEMO_DATA: 'false', SHOP_WEBHOOK_SECRET: SHOP_SECRET },
    {
      classifier,
      // Mounted by startApp exactly as in production; only the FAQ file and a retrain probe differ.
      admin: { faqPath, onRetrained: (engine) => swapped.push(engine) },
    },
  );
  const url = app.url!;
  const call: AdminKit['call'] = async (method, path, opts = {}) => {
    const token = opts.token === undefined ? ADMIN : opts.token;
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${url}${path}`, { method, headers, body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.status, body, headers: res.headers };
  };
  return {
    app, api: app.adminApi!, url, swapped, faqPath, call,
    tokenFor: async (role, name = `${role}-${newId().slice(0, 6)}`) => (await call('POST', '/api/users', { body: { name, role } })).body.token,
    shop: async (type, payload) => {
      const raw = JSON.stringify({ id: `evt-${newId()}`, type, occurredAt: new Date().toISOString(), data: payload });
      const res = await fetch(`${url}/webhooks/shop`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-shop-signature': signShopBody(SHOP_SECRET, raw) }, body: raw });
      return res.status;
    },
    stop: async () => {
      await app.stop();
      data.cleanup();
      rmSync(configCopy, { recursive: true, force: true });
    },
  };
}

/** A chat-only customer (web chat identity) with the given profile fields. */
export async function seedCustomer(app: App, profile: { name?: string; email?: string; phone?: string; tags?: string[] } = {}): Promise<string> {
  const id = await app.repos.customers.createWithIdentity({ channel: 'webchat', externalId: `web-${newId()}`, displayName: profile.name, at: new Date() });
  const update = Object.fromEntries(Object.entries({ email: profile.email, phone: profile.phone, addTags: profile.tags }).filter(([, v]) => v !== undefined));
  if (Object.keys(update).length) await app.crm.customers.updateProfile(id, update);
  return id;
}
