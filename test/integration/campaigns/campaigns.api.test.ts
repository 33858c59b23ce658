import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../src/core/ids.js';
import { postJson, tempDataDir } from '../../helpers/app.js';
import { startCampaignApp, type CampaignApp } from './support/campaign-app.js';

const data = tempDataDir('patron-campaign-api-');
let c: CampaignApp;
let base: string;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });
let admin: string;
let marketer: string;
let segmentId: string;

async function get(path: string, token: string) {
  const res = await fetch(`${base}${path}`, { headers: auth(token) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, body: /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  c = await startCampaignApp({ DATA_DIR: data.dir, ADMIN_TOKEN: 'admin-token-0123456789', CAMPAIGN_QUIET_HOURS: 'off', DEMO_DATA: 'false' }, { jobs: false });
  base = `${c.app.url}/api`;
  admin = 'admin-token-0123456789';
  marketer = (await postJson(`${base}/users`, { name: 'Mo', role: 'marketer' }, auth(admin))).body.token;
  const customer = newId();
  await c.app.store.db.insertInto('customers').values({ id: customer, name: 'Kim', locale: 'en', timezone: null, tags: ['api'] } as never).execute();
  await c.app.store.db.insertInto('identities').values({ id: newId(), customer_id: customer, channel: 'telegram', external_id: '555', display_name: null, unreachable_at: null, unreachable_reason: null }).execute();
  await c.app.crm.consent.grant(customer, 'telegram', 'marketing', 'web_form');
  segmentId = (await c.app.crm.segments.create({ name: 'api', filter: { tags: ['api'] } })).id;
});
afterAll(async () => {
  await c?.app.stop();
  data.cleanup();
});

const body = () => ({ name: 'Autumn', segmentId, channels: ['telegram'], messages: { en: { text: 'Hi {name}' }, 'zh-CN': { text: '你好 {name}' } }, schedule: { at: new Date().toISOString() } });

describe('campaigns admin API', () => {
  it('validates the body and names the bad field', async () => {
    const bad = await postJson(`${base}/campaigns`, { ...body(), schedule: { cron: 'nope', timezone: 'UTC' } }, auth(marketer));
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message ?? JSON.stringify(bad.body)).toMatch(/schedule/);
    const noChannels = await postJson(`${base}/campaigns`, { ...body(), channels: [] }, auth(marketer));
    expect(noChannels.status).toBe(400);
    expect(JSON.stringify(noChannels.body)).toMatch(/channels/);
    expect((await postJson(`${base}/campaigns`, body())).status).toBe(401);
  });

  it('runs the lifecycle: marketer creates, author cannot approve, another admin approves, preview, test send, results and CSV', async () => {
    const created = await postJson(`${base}/campaigns`, body(), auth(marketer));
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.body.status).toBe('draft');
    expect((await postJson(`${base}/campaigns/${id}/approve`, {}, auth(marketer))).status).toBe(403);
    const own = await postJson(`${base}/campaigns`, body(), auth(admin));
    const selfApproval = await postJson(`${base}/campaigns/${own.body.id}/approve`, {}, auth(admin));
    expect(selfApproval.status).toBe(403);
    expect(JSON.stringify(selfApproval.body)).toMatch(/different admin/);
    expect((await postJson(`${base}/campaigns/${id}/approve`, {}, auth(admin))).body.status).toBe('approved');

    const preview = await postJson(`${base}/campaigns/${id}/preview`, {}, auth(marketer));
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ audience: 1, segmentSize: 1, suppressed: {} });
    expect(preview.body.sample[0]).toMatchObject({ name: 'Kim', channel: 'telegram', state: 'queued' });

    const test = await postJson(`${base}/campaigns/${id}/test-send`, { channel: 'telegram', recipient: '999', locale: 'zh-CN' }, auth(marketer));
    expect(test.status).toBe(202);
    expect(test.body.text).toBe('【测试】你好 Mo\n\n回复 退订 取消订阅');

    expect((await postJson(`${base}/campaigns/${id}/schedule`, {}, auth(marketer))).body.status).toBe('scheduled');
    expect((await postJson(`${base}/campaigns/${id}/schedule`, {}, auth(marketer))).status).toBe(409);
    await c.campaigns.trigger.tick();
    expect((await get(`/campaigns/${id}`, marketer)).body.status).toBe('sending');
    expect((await postJson(`${base}/campaigns/${id}/pause`, {}, auth(marketer))).body.status).toBe('paused');
    expect((await postJson(`${base}/campaigns/${id}/resume`, {}, auth(marketer))).body.status).toBe('sending');

    const results = await get(`/campaigns/${id}/results`, marketer);
    expect(results.body.total).toMatchObject({ targeted: 1 });
    const csv = await get(`/campaigns/${id}/results?format=csv`, marketer);
    expect(csv.type).toMatch(/text\/csv/);
    expect(csv.text.split('\r\n')[1]).toMatch(new RegExp(`^${id},Autumn,en,1,`));

    const list = await get('/campaigns?limit=1', marketer);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.next).toBeTruthy();
    expect((await postJson(`${base}/campaigns/${id}/cancel`, {}, auth(marketer))).body.status).toBe('cancelled');
    expect((await get(`/campaigns/not-an-id`, marketer)).status).toBe(404);
  });

  it('is closed to agents', async () => {
    const agent = (await postJson(`${base}/users`, { name: 'Ag', role: 'agent' }, auth(admin))).body.token;
    expect((await get('/campaigns', agent)).status).toBe(403);
  });
});
