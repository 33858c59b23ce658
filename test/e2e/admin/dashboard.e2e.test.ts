import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_DIR } from '../../../src/core/config.js';
import { loadBuiltInEngine } from '../../../src/flows/nlu/built-in.js';
import type { App } from '../../../src/main.js';
import { postJson, startTestApp, tempDataDir } from '../../helpers/app.js';
import { browserAvailable, launchBrowser } from '../browser.js';

const available = browserAvailable('admin e2e');

const ADMIN_TOKEN = 'admin-e2e-token-0123456789abcdef';
const ATTACK = '<img src=x onerror=alert(1)>';
const GIBBERISH = 'flibbertigibbet zorkmid quux';
const data = tempDataDir('patron-admin-e2e-');
const faqPath = join(data.dir, 'faq.json');
copyFileSync(join(CONFIG_DIR, 'faq.json'), faqPath);
const shots = mkdtempSync(join(tmpdir(), 'patron-admin-shots-'));
let app: App;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

/** True when every canvas on the page has at least one painted pixel. */
const chartsPainted = (p: Page) =>
  p.locator('main canvas').evaluateAll((canvases) =>
    canvases.length > 0 && canvases.every((c) => {
      const cv = c as HTMLCanvasElement;
      if (!cv.width || !cv.height) return false;
      const px = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
      for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
      return false;
    }),
  );

describe.skipIf(!available)('admin dashboard in a browser', () => {
  beforeAll(async () => {
    const classifier = await loadBuiltInEngine({ cachePath: join(tmpdir(), 'patron-nlu', 'nlu-model.json') });
    [app, browser] = await Promise.all([
      // The FAQ book is a file: PUT /api/faq rewrites a copy in the temp dir, never config/faq.json.
      startTestApp({ DATA_DIR: data.dir, ADMIN_TOKEN }, { classifier, admin: { faqPath } }),
      launchBrowser(),
    ]);
    // Real traffic through the web chat so the reports have something to count.
    let sessionId: string | undefined;
    for (const text of ['hi', 'where is my order?', GIBBERISH, ATTACK, '你好', GIBBERISH]) {
      const res = await postJson(`${app.url}/chat/messages`, { sessionId, text });
      expect(res.status).toBe(200);
      sessionId = res.body.sessionId;
    }
    // Some demo customers join the loyalty programme (signup points land in the ledger).
    const customers = await app.store.db.selectFrom('customers').select('id').limit(3).execute();
    for (const c of customers) await app.crm.loyalty.enroll(c.id, { termsAccepted: true });
    context = await browser.newContext({ reducedMotion: 'reduce', viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    page.on('dialog', (d) => void d.dismiss().then(() => pageErrors.push(`unexpected dialog: ${d.message()}`)));
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    data.cleanup();
    console.log(`[admin e2e] screenshots in ${shots}`);
  });

  it('refuses a wrong token and signs in with the admin token', async () => {
    expect((await page.goto(`${app.url}/admin/`))?.status()).toBe(200);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Access token').fill('not-a-real-token-at-all');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('alert').filter({ hasText: 'That token was not accepted.' }).waitFor();
    await page.getByLabel('Access token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Sections' }).getByRole('link').count()).toBe(8);
    expect(await page.evaluate(() => sessionStorage.getItem('patron.admin.token'))).toBe(ADMIN_TOKEN);
  });

  it('draws every overview chart from the reports API', async () => {
    await expect.poll(() => page.locator('main canvas').count()).toBe(6);
    await expect.poll(() => chartsPainted(page)).toBe(true);
    const label = await page.locator('main canvas').first().getAttribute('aria-label');
    expect(label).toMatch(/^Conversations per channel per day: Web chat \d+/);
    await expect.poll(() => page.locator('.tile').first().textContent()).toMatch(/Fallback rate\d+(\.\d)?%/);
    await page.getByRole('combobox', { name: 'Period' }).selectOption('7');
    await expect.poll(() => chartsPainted(page)).toBe(true);
    await page.screenshot({ path: join(shots, 'overview-en.png'), fullPage: true });
  });

  it('switches to 中文 and labels the dashboard in Chinese', async () => {
    await page.getByRole('button', { name: '切换到中文' }).click();
    await page.getByRole('heading', { name: '概览', level: 1 }).waitFor();
    expect(await page.locator('figcaption').allTextContents()).toContain('各渠道每日会话数');
    await expect.poll(() => page.locator('main canvas').first().getAttribute('aria-label')).toMatch(/^各渠道每日会话数：网页聊天 \d+/);
    expect(await page.locator('.tile-label').allTextContents()).toEqual(['兜底回复率', 'SLA 超时', '复购率', '流失风险', '未兑换（负债）']);
    expect(await page.getByRole('link', { name: '未识别消息' }).count()).toBe(1);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await expect.poll(() => chartsPainted(page)).toBe(true);
    await page.screenshot({ path: join(shots, 'overview-zh.png'), fullPage: true });
  });

  it('lists the messages the bot did not understand, markup shown as text, and adds one as a phrase', async () => {
    await page.getByRole('link', { name: '未识别消息' }).click();
    await page.getByRole('heading', { name: '机器人未能理解的消息', level: 1 }).waitFor();
    const texts = page.locator('main .msg-text');
    await expect.poll(() => texts.allTextContents()).toContain(GIBBERISH);
    expect(await texts.allTextContents()).toContain(ATTACK);
    expect(await page.locator('main img').count()).toBe(0);
    const row = page.getByRole('row').filter({ hasText: GIBBERISH });
    expect(await row.getByRole('cell').nth(2).textContent()).toBe('2');
    await row.getByRole('combobox').selectOption('track_order');
    await row.getByRole('button', { name: '添加' }).click();
    await row.getByText('已添加到 track_order').waitFor();
    await page.getByRole('button', { name: '重新训练模型' }).click();
    await page.getByText('模型已重新训练。').waitFor();
    const intents = await fetch(`${app.url}/api/intents`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }).then((r) => r.json());
    expect(intents.items.find((i: { name: string }) => i.name === 'track_order').added).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: join(shots, 'unrecognised-zh.png'), fullPage: true });
  });

  it('checks FAQ JSON in the browser before saving it', async () => {
    const ifMatch: string[] = [];
    page.on('request', (r) => void (r.method() === 'PUT' && r.url().endsWith('/api/faq') && ifMatch.push(r.headers()['if-match'] ?? '')));
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await page.getByRole('link', { name: 'FAQ' }).click();
    const editor = page.getByRole('textbox', { name: 'FAQ answers' });
    await expect.poll(() => editor.inputValue()).toContain('check_payment_methods');
    await editor.fill('{"check_payment_methods": "ok",');
    await page.getByRole('button', { name: 'Save answers' }).click();
    await page.getByRole('alert').filter({ hasText: 'This is not valid JSON' }).waitFor();
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    await editor.fill('{"no_such_entry": "x"}');
    await page.getByRole('button', { name: 'Save answers' }).click();
    await page.getByRole('alert').filter({ hasText: 'Unknown entry “no_such_entry”.' }).waitFor();
    await editor.fill('{"check_payment_methods": "We take cards."}');
    await page.getByRole('button', { name: 'Save answers' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const saved = JSON.parse(readFileSync(faqPath, 'utf8'));
    const shipped = JSON.parse(readFileSync(join(CONFIG_DIR, 'faq.json'), 'utf8'));
    expect(saved.entries.check_payment_methods.answer).toEqual({ ...shipped.entries.check_payment_methods.answer, en: 'We take cards.' });
    expect(saved.entries.delivery_options).toEqual(shipped.entries.delivery_options);
    expect(ifMatch).toEqual([expect.stringMatching(/^"[0-9a-f]+"$/)]);
  });

  it('edits a price and stock in the catalog and keeps the rest of the product', async () => {
    await page.getByRole('link', { name: 'Catalog' }).click();
    await page.getByRole('heading', { name: 'Catalog', level: 1 }).waitFor();
    const first = page.locator('main tbody tr').first();
    await first.waitFor();
    const sku = (await first.locator('code').textContent())!;
    const name = (await first.getByRole('cell').nth(1).textContent())!;
    const before = await app.crm.catalog.require(sku);
    await page.getByRole('searchbox', { name: 'Search' }).fill(name);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.locator('main tbody tr code').first().textContent()).toBe(sku);
    const row = page.locator('main tbody tr').filter({ hasText: sku }).first();
    await row.getByRole('spinbutton', { name: `Stock of ${name}` }).fill('-3');
    await row.getByRole('button', { name: 'Save' }).click();
    await row.getByText('Stock must be a number of zero or more.').waitFor();
    await row.getByRole('spinbutton', { name: `Price of ${name}` }).fill('12.5');
    await row.getByRole('spinbutton', { name: `Stock of ${name}` }).fill('7');
    await row.getByRole('button', { name: 'Save' }).click();
    await row.getByText('Saved.').waitFor();
    const after = await app.crm.catalog.require(sku);
    // PUT replaces the row: everything but price and stock must have survived the round trip.
    expect({ ...after, updatedAt: null }).toEqual({ ...before, price: 12.5, stock: 7, updatedAt: null });
  });

  it('previews an unsaved segment filter, refuses broken JSON and creates the segment', async () => {
    await page.getByRole('link', { name: 'Segments' }).click();
    const filter = page.getByRole('textbox', { name: 'Filter (JSON)' });
    await filter.fill('{"lastSeenWithinDays": ');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('alert').filter({ hasText: 'The filter is not valid JSON' }).waitFor();
    await filter.fill('{}');
    await page.getByRole('button', { name: 'Preview' }).click();
    const everyone = await app.store.db.selectFrom('customers').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    await page.getByRole('status').filter({ hasText: `${Number(everyone.n)} customers match` }).waitFor();
    await page.getByRole('textbox', { name: 'Name' }).fill('Everyone');
    await page.getByRole('button', { name: 'Create' }).click();
    const listed = page.getByRole('row').filter({ hasText: 'Everyone' });
    await listed.waitFor();
    await listed.getByRole('button', { name: 'Preview' }).click();
    await listed.getByText(`${Number(everyone.n)} customers match`).waitFor();
    await page.screenshot({ path: join(shots, 'segments-en.png'), fullPage: true });
  });

  it('lists campaigns, or says plainly that the campaigns API is not there yet', async () => {
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
    const shown = page.locator('main table, main .notice.warn, main .notice:text("Nothing here yet.")');
    await shown.first().waitFor();
    expect(await page.locator('main .notice.error').count()).toBe(0);
  });

  it('signs in with e-mail and password on a phone, and signs out', async () => {
    const created = await postJson(`${app.url}/api/users`, { name: 'Mei', role: 'admin', email: 'mei@example.com', password: 'correct horse battery' }, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(created.status).toBe(201);
    const phone = await browser.newContext({ viewport: { width: 390, height: 800 }, isMobile: true, hasTouch: true, reducedMotion: 'reduce', locale: 'en-US' });
    const p = await phone.newPage();
    p.on('pageerror', (e) => pageErrors.push(e.message));
    await p.goto(`${app.url}/admin/`);
    await p.getByLabel('E-mail').fill('mei@example.com');
    await p.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await p.getByRole('button', { name: 'Sign in', exact: true }).click();
    await p.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await expect.poll(() => chartsPainted(p)).toBe(true);
    const width = await p.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await p.screenshot({ path: join(shots, 'phone-overview.png'), fullPage: true });
    await p.getByRole('button', { name: 'Sign out' }).click();
    await p.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await p.evaluate(() => sessionStorage.getItem('patron.admin.token'))).toBeNull();
    await phone.close();
  });

  it('shows a marketer only the sections their role may use', async () => {
    const created = await postJson(`${app.url}/api/users`, { name: 'Ola', role: 'marketer' }, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(created.status).toBe(201);
    const ctx = await browser.newContext({ reducedMotion: 'reduce', locale: 'en-US' });
    const p = await ctx.newPage();
    p.on('pageerror', (e) => pageErrors.push(e.message));
    await p.goto(`${app.url}/admin/#/overview`);
    await p.getByLabel('Access token').fill(created.body.token);
    await p.getByRole('button', { name: 'Use token' }).click();
    await p.getByRole('heading', { name: 'Segments', level: 1 }).waitFor();
    expect(await p.getByRole('navigation', { name: 'Sections' }).getByRole('link').allTextContents()).toEqual(['Segments', 'Campaigns']);
    expect(await p.getByText('Signed in as Ola (marketer)').count()).toBe(1);
    await ctx.close();
  });

  it('says how long to wait once an account has used its sign-in attempts, in English and Chinese', async () => {
    const created = await postJson(`${app.url}/api/users`, { name: 'Kai', role: 'admin', email: 'kai@example.com', password: 'correct horse battery' }, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(created.status).toBe(201);
    for (let i = 0; i < 10; i++) expect((await postJson(`${app.url}/api/auth/login`, { email: 'kai@example.com', password: `guess ${i}` })).status).toBe(401);
    for (const [locale, pattern] of [['en-US', /^Too many sign-in attempts\. Wait \d+ s and try again\.$/], ['zh-CN', /^登录尝试次数过多，请等待 \d+ 秒后再试。$/]] as const) {
      const ctx = await browser.newContext({ reducedMotion: 'reduce', locale });
      const p = await ctx.newPage();
      p.on('pageerror', (e) => pageErrors.push(e.message));
      await p.goto(`${app.url}/admin/`);
      await p.locator('input[name=email]').fill('kai@example.com');
      await p.locator('input[name=password]').fill('correct horse battery');
      await p.locator('input[name=password]').press('Enter');
      const error = p.locator('main .notice.error');
      await error.waitFor();
      expect((await error.textContent())?.trim()).toMatch(pattern);
      await ctx.close();
    }
  });

  it('ran without page errors or dialogs', () => {
    expect(pageErrors).toEqual([]);
  });
});
