import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltInEngine } from '../../../src/flows/nlu/built-in.js';
import type { App } from '../../../src/main.js';
import { postJson, startTestApp, tempDataDir } from '../../helpers/app.js';
import { browserAvailable, launchBrowser } from '../browser.js';

const available = browserAvailable('agent console e2e');

const ADMIN_TOKEN = 'agent-console-e2e-admin-token';
const ATTACK = '<img src=x onerror=alert(1)>';
const data = tempDataDir('patron-agent-e2e-');
const shots = mkdtempSync(join(tmpdir(), 'patron-agent-shots-'));
let app: App;
let browser: Browser;
let alice: Page; // the agent who takes the thread
let bobLive: Page; // another agent watching the queue live
let bobStale: Page; // another agent whose live connection is down, so the thread still looks queued
let sessionId: string;
let conversationId: string;
const agents: Record<string, { email: string; password: string; token: string }> = {};

async function api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(app.url + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: await res.json().catch(() => null) };
}
const customerSays = async (text: string) => (await postJson(`${app.url}/chat/messages`, { sessionId, text })).body;
const history = async () => (await (await fetch(`${app.url}/chat/history?sessionId=${encodeURIComponent(sessionId)}`)).json()).messages as Array<{ author: string; text: string }>;

async function newPage(viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ reducedMotion: 'reduce', viewport, locale: 'en-US' });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  page.on('dialog', (d) => void d.dismiss().then(() => expect.fail(`unexpected dialog: ${d.message()}`)));
  page.on('pageerror', (err) => expect.fail(`page error: ${err.message}`));
  return { context, page };
}

async function signIn(page: Page, who: string) {
  await page.goto(`${app.url}/agent/`);
  await page.getByLabel('E-mail').fill(agents[who].email);
  await page.getByLabel('Password', { exact: true }).fill(agents[who].password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.locator('#conn[data-state="live"]').waitFor();
}

const inQueue = (page: Page) => page.locator(`#queue button.conv[data-id="${conversationId}"]`);
const button = (page: Page, name: string) => page.locator('#actions').getByRole('button', { name, exact: true });
const customerBubbles = (page: Page) => page.locator('#log .msg.customer .text');

describe.skipIf(!available)('agent console in a browser', () => {
  beforeAll(async () => {
    const classifier = await loadBuiltInEngine({ cachePath: join(tmpdir(), 'patron-nlu', 'nlu-model.json') });
    [app, browser] = await Promise.all([
      startTestApp({ DATA_DIR: data.dir, ADMIN_TOKEN }, { classifier }),
      launchBrowser(),
    ]);
    for (const name of ['Alice', 'Bob']) {
      const email = `${name.toLowerCase()}@shop.test`;
      const password = `${name}-secret-password`;
      const created = await api('POST', '/api/users', ADMIN_TOKEN, { name, role: 'agent', email, password });
      expect(created.status).toBe(201);
      agents[name] = { email, password, token: created.body.token };
    }
    const asked = await postJson(`${app.url}/chat/messages`, { text: 'I want to talk to a person' });
    expect(asked.status).toBe(200);
    sessionId = asked.body.sessionId;
    const queue = await api('GET', '/api/queue', ADMIN_TOKEN);
    expect(queue.body.items).toHaveLength(1);
    conversationId = queue.body.items[0].conversationId;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    data.cleanup();
    console.log(`[agent console e2e] screenshots in ${shots}`);
  });

  it('signs agents in (password or API token) and shows the waiting conversation in the queue', async () => {
    alice = (await newPage()).page;
    await signIn(alice, 'Alice');
    await inQueue(alice).waitFor();
    expect(await alice.locator('#user').textContent()).toContain('Alice');

    bobLive = (await newPage()).page;
    await signIn(bobLive, 'Bob');
    await inQueue(bobLive).waitFor();

    // Bob's second console signs in with a pasted token and has lost its live connection.
    bobStale = (await newPage()).page;
    await bobStale.routeWebSocket(/\/agent\/ws$/, (ws) => ws.close());
    await bobStale.goto(`${app.url}/agent/`);
    await bobStale.getByLabel('API token').fill(agents.Bob.token);
    await bobStale.getByRole('button', { name: 'Use token' }).click();
    await inQueue(bobStale).click();
    await button(bobStale, 'Claim').waitFor();
    await alice.screenshot({ path: join(shots, 'queue.png') });
  });

  it('claims the thread: transcript and customer card show, and it leaves the other agent\'s queue live', async () => {
    await inQueue(alice).click();
    await expect.poll(() => customerBubbles(alice).allTextContents()).toContain('I want to talk to a person');
    await button(alice, 'Claim').click();
    await expect.poll(() => alice.locator('#thread-meta').textContent()).toContain('With you');
    await alice.locator(`#mine button.conv[data-id="${conversationId}"]`).waitFor();
    expect(await inQueue(alice).count()).toBe(0);
    // The bot's hand-off notice and the "agent joined" notice are system messages, styled apart.
    await expect.poll(() => alice.locator('#log .msg.system').count()).toBeGreaterThan(1);
    const card = alice.locator('#customer');
    await expect.poll(() => card.locator('[data-field="points"]').textContent()).toBe('0');
    expect(await card.locator('[data-field="tier"]').textContent()).toBe('Not a member');
    expect(await card.textContent()).toContain('No open tickets.');
    await expect.poll(() => inQueue(bobLive).count()).toBe(0);
  });

  it('tells an agent who claims too late that someone else took it, and refreshes the view', async () => {
    await button(bobStale, 'Claim').click();
    const alert = bobStale.locator('#thread-alert');
    await expect.poll(() => alert.textContent()).toMatch(/Someone else took it.*With Alice\./);
    expect(await alert.getAttribute('role')).toBe('alert');
    expect(await button(bobStale, 'Claim').isHidden()).toBe(true);
    expect(await bobStale.getByRole('textbox', { name: 'Reply to the customer' }).isDisabled()).toBe(true);
    await expect.poll(() => inQueue(bobStale).count()).toBe(0);
    await bobStale.screenshot({ path: join(shots, 'conflict.png') });
  });

  it('sends a reply the customer receives as an agent message, with a canned response to hand', async () => {
    await expect.poll(() => alice.locator('#canned option').count()).toBeGreaterThan(1);
    await alice.locator('#canned').selectOption({ index: 1 });
    expect(await alice.locator('#reply-text').inputValue()).toContain('Alice');
    const reply = alice.getByRole('textbox', { name: 'Reply to the customer' });
    await reply.fill('Hello, this is Alice. How can I help?');
    await reply.press('Enter');
    await expect.poll(() => alice.locator('#log .msg.agent .text').last().textContent()).toBe('Hello, this is Alice. How can I help?');
    expect(await alice.locator('#log .msg.agent .by').last().textContent()).toContain('Alice');
    await expect.poll(async () => (await history()).filter((m) => m.author === 'agent').map((m) => m.text)).toContain('Hello, this is Alice. How can I help?');
  });

  it('adds an internal note', async () => {
    await alice.getByLabel('New note').fill('Customer prefers e-mail follow-up');
    await alice.getByRole('button', { name: 'Add note' }).click();
    await expect.poll(() => alice.locator('#notes li').last().textContent()).toContain('Customer prefers e-mail follow-up');
    const card = await api('GET', `/api/conversations/${conversationId}`, agents.Alice.token);
    expect(card.body.notes.map((n: { text: string }) => n.text)).toEqual(['Customer prefers e-mail follow-up']);
  });

  it('shows a new customer message live, and markup as plain text', async () => {
    await customerSays('Are you still there?');
    await expect.poll(() => customerBubbles(alice).last().textContent()).toBe('Are you still there?');
    await customerSays(ATTACK);
    await expect.poll(() => customerBubbles(alice).last().textContent()).toBe(ATTACK);
    expect(await alice.locator('#log img, #app img').count()).toBe(0);
    await alice.reload(); // and after a reload, from the API
    await expect.poll(() => customerBubbles(alice).last().textContent()).toBe(ATTACK);
    expect(await alice.locator('img').count()).toBe(0);
    await alice.screenshot({ path: join(shots, 'thread.png') });
  });

  it('switches to 中文 and hands the thread back to the bot, which answers again', async () => {
    await alice.getByRole('button', { name: '切换到中文' }).click();
    await alice.getByRole('heading', { name: '待接入队列' }).waitFor();
    expect(await alice.getByRole('heading', { name: '内部备注' }).count()).toBe(1);
    expect(await alice.locator('#thread-meta').textContent()).toContain('由您处理');
    expect(await alice.getByRole('button', { name: '发送' }).count()).toBe(1);
    await alice.screenshot({ path: join(shots, 'zh-CN.png') });
    await button(alice, '交还机器人').click();
    await expect.poll(() => alice.locator('#thread-meta').textContent()).toContain('机器人');
    // The thread and the lists reload side by side: either may be drawn first.
    await expect.poll(() => alice.locator(`#mine button.conv[data-id="${conversationId}"]`).count()).toBe(0);
    const answer = await customerSays('hi');
    expect(answer.replies.length).toBeGreaterThan(0);
    await expect.poll(async () => (await history()).at(-1)?.author).toBe('bot');
  });

  it('fits a phone screen: lists first, then the conversation with a way back', async () => {
    const { context, page } = await newPage({ width: 375, height: 700 });
    await page.addInitScript((t) => sessionStorage.setItem('patron.agent.token', t), agents.Bob.token);
    await page.goto(`${app.url}/agent/`);
    const row = page.locator(`#bot button.conv[data-id="${conversationId}"]`);
    await row.click();
    await page.locator('#thread-title').waitFor();
    expect(await page.locator('#lists').isHidden()).toBe(true);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(shots, 'phone.png') });
    await page.getByRole('button', { name: 'Back to the lists' }).click();
    await row.waitFor();
    await context.close();
  });

  it('reconnects the live connection after it drops and then gets live queue updates', async () => {
    const { context, page } = await newPage();
    let connections = 0;
    // The first socket is cut right away; later ones reach the real server.
    await page.routeWebSocket(/\/agent\/ws$/, (ws) => (connections++ === 0 ? ws.close() : void ws.connectToServer()));
    await page.addInitScript((t) => sessionStorage.setItem('patron.agent.token', t), agents.Alice.token);
    await page.goto(`${app.url}/agent/`);
    await page.locator('#conn[data-state="live"]').waitFor({ timeout: 15_000 });
    expect(connections).toBeGreaterThanOrEqual(2);
    await customerSays('I want to talk to a person again');
    await inQueue(page).waitFor();
    await context.close();
  });

  it('says how long to wait once an account has used its sign-in attempts', async () => {
    const created = await api('POST', '/api/users', ADMIN_TOKEN, { name: 'Cy', role: 'agent', email: 'cy@shop.test', password: 'Cy-secret-password' });
    expect(created.status).toBe(201);
    for (let i = 0; i < 10; i++) expect((await postJson(`${app.url}/api/auth/login`, { email: 'cy@shop.test', password: `guess ${i}` })).status).toBe(401);
    const { context, page } = await newPage();
    await page.goto(`${app.url}/agent/`);
    await page.getByLabel('E-mail').fill('cy@shop.test');
    await page.getByLabel('Password', { exact: true }).fill('Cy-secret-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText(/^Too many sign-in attempts\. Wait \d+ s and try again\.$/).waitFor();
    expect(await page.locator('#conn[data-state="live"]').count()).toBe(0);
    await context.close();
  });
});
