import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachWebchatSocket, type WebchatSocket } from '../../../src/channels/webchat/webchat-socket.js';
import { loadBuiltInEngine } from '../../../src/flows/nlu/built-in.js';
import type { App } from '../../../src/main.js';
import { startTestApp, tempDataDir } from '../../helpers/app.js';
import { browserAvailable, launchBrowser } from '../browser.js';

const available = browserAvailable('widget e2e');

const data = tempDataDir();
const shots = mkdtempSync(join(tmpdir(), 'patron-widget-shots-'));
let app: App;
let socket: WebchatSocket;
let browser: Browser;
let page: Page;

// Returns the endpoint main.ts attached, once it does.
const attach = () => attachWebchatSocket(app.server!, app.webchat, { conversations: app.repos.conversations, transcripts: app.repos.transcripts, log: app.log });
const widget = (p: Page) => ({
  launcher: p.getByRole('button', { name: /Chat with us|在线咨询/ }),
  input: p.getByRole('textbox', { name: /Message|消息/ }),
  panel: p.locator('#patron-panel'),
  bot: p.locator('#patron-chat .msg.bot:not(.intro)'),
  me: p.locator('#patron-chat .msg.me'),
  chips: p.locator('#patron-chat .chips button'),
});
const say = async (p: Page, text: string) => {
  await widget(p).input.fill(text);
  await widget(p).input.press('Enter');
};

describe.skipIf(!available)('web chat widget in a browser', () => {
  beforeAll(async () => {
    // The built-in model cached in the OS temp folder: trained once, loaded in milliseconds after.
    const classifier = await loadBuiltInEngine({ cachePath: join(tmpdir(), 'patron-nlu', 'nlu-model.json') });
    [app, browser] = await Promise.all([
      startTestApp({ DATA_DIR: data.dir }, { classifier }),
      launchBrowser(),
    ]);
    socket = attach();
    const context = await browser.newContext({ reducedMotion: 'reduce', viewport: { width: 1100, height: 760 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    page.on('dialog', (d) => void d.dismiss().then(() => expect.fail(`unexpected dialog: ${d.message()}`)));
  });
  afterAll(async () => {
    await browser?.close();
    await socket?.close();
    await app?.stop();
    data.cleanup();
    console.log(`[widget e2e] screenshots in ${shots}`);
  });

  it('greets "hi" with quick replies and answers a pressed quick reply', async () => {
    expect((await page.goto(app.url!))?.status()).toBe(200);
    const w = widget(page);
    await page.getByRole('heading', { name: /long days outside/ }).waitFor();
    await w.launcher.click();
    await expect.poll(() => w.input.evaluate((el) => el === (el.getRootNode() as Document | ShadowRoot).activeElement)).toBe(true);
    await say(page, 'hi');
    await w.bot.first().waitFor();
    expect(await w.bot.first().textContent()).toMatch(/hi|hello/i);
    await expect.poll(() => w.chips.count()).toBeGreaterThan(3);
    await page.screenshot({ path: join(shots, 'greeting.png') });
    const label = (await w.chips.first().textContent())!;
    await w.chips.first().click();
    await expect.poll(() => w.me.last().textContent()).toBe(label);
    await expect.poll(() => w.bot.count()).toBeGreaterThan(1);
  });

  it('switches to 中文 and replies in Chinese', async () => {
    const w = widget(page);
    await page.getByRole('button', { name: '切换到中文' }).click();
    expect(await page.getByRole('button', { name: '发送' }).count()).toBe(1);
    await say(page, '你好');
    await expect.poll(() => w.bot.last().textContent()).toMatch(/您好|你好/);
  });

  it('restores the transcript and the language after a reload', async () => {
    const before = await widget(page).me.allTextContents();
    await page.reload();
    const w = widget(page);
    await w.launcher.click();
    await expect.poll(() => w.me.allTextContents()).toEqual(before);
    expect(await w.bot.count()).toBeGreaterThanOrEqual(3);
    expect(await page.getByRole('button', { name: '发送' }).count()).toBe(1);
  });

  it('delivers a message typed while the connection was down once, after reconnecting', async () => {
    const w = widget(page);
    socket.terminateAll();
    await socket.close();
    await expect.poll(() => w.panel.getAttribute('data-connection')).toBe('offline');
    const bots = await w.bot.count();
    await say(page, 'thanks a lot');
    expect(await w.me.last().getAttribute('data-state')).toBe('sending');
    socket = attach();
    await expect.poll(() => w.me.last().getAttribute('data-state'), { timeout: 15_000 }).toBe('sent');
    expect(await w.bot.count()).toBe(bots + 1);
    const rows = await app.store.db.selectFrom('inbound_messages').select('id').where('text', '=', 'thanks a lot').execute();
    expect(rows).toHaveLength(1);
  });

  it('shows markup typed by a visitor as plain text', async () => {
    const w = widget(page);
    const attack = '<img src=x onerror=alert(1)>';
    await say(page, attack);
    await expect.poll(() => w.me.last().textContent()).toBe(attack);
    expect(await page.locator('#patron-chat img').count()).toBe(0);
    await expect.poll(() => w.bot.count()).toBeGreaterThan(0);
  });

  it('falls back to POST /chat/messages when the WebSocket never connects', async () => {
    const context = await browser.newContext({ reducedMotion: 'reduce' });
    const p = await context.newPage();
    // A proxy that kills every WebSocket: the socket opens and is closed before any session.
    await p.routeWebSocket(/\/chat\/ws$/, (ws) => ws.close());
    const posts: string[] = [];
    p.on('request', (r) => void (r.method() === 'POST' && posts.push(new URL(r.url()).pathname)));
    await p.goto(app.url!);
    await widget(p).launcher.click();
    await say(p, 'hi');
    await expect.poll(() => widget(p).bot.count(), { timeout: 10_000 }).toBe(1);
    expect(await widget(p).bot.first().textContent()).toMatch(/hi|hello/i);
    expect(posts).toEqual(['/chat/messages']);
    await context.close();
  });

  it('fills a phone screen with the open panel', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 667 }, reducedMotion: 'reduce', isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    await p.goto(app.url!);
    await widget(p).launcher.click();
    await widget(p).input.waitFor();
    const box = await widget(p).panel.boundingBox();
    expect(box).toEqual({ x: 0, y: 0, width: 375, height: 667 });
    await say(p, 'hello');
    await widget(p).bot.first().waitFor();
    await p.screenshot({ path: join(shots, 'phone.png') });
    await phone.close();
  });
});
