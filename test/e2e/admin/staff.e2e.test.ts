import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltInEngine } from '../../../src/flows/nlu/built-in.js';
import type { App } from '../../../src/main.js';
import { startTestApp, tempDataDir } from '../../helpers/app.js';
import { browserAvailable, launchBrowser } from '../browser.js';

const available = browserAvailable('staff e2e');

const ADMIN_TOKEN = 'staff-e2e-admin-token-0123456789';
const AGENT = { name: 'Ana Lee', email: 'ana@example.com', password: 'first password 1' };
const data = tempDataDir('patron-staff-e2e-');
const shots = mkdtempSync(join(tmpdir(), 'patron-staff-shots-'));
let app: App;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

interface Account { id: string; name: string; email: string | null; role: string; created_at: string; disabled_at: string | null }

/** Calls the real API with a bearer token: status and parsed body. */
async function call(token: string | null, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${app.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
const accounts = async (): Promise<Account[]> => (await call(ADMIN_TOKEN, '/api/users')).body.items;
const account = async (id: string): Promise<Account> => (await accounts()).find((a) => a.id === id)!;
const meStatus = async (token: string) => (await call(token, '/api/me')).status;

const watch = (p: Page) => {
  p.on('dialog', (d) => void d.dismiss().then(() => problems.push(`unexpected dialog: ${d.message()}`)));
  p.on('pageerror', (e) => problems.push(e.message));
};
const noHorizontalScroll = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
/** Every value and text on the page, to prove a token is gone from it. */
const pageHolds = (p: Page, secret: string) =>
  p.evaluate((s) => document.body.innerText.includes(s) || Array.from(document.querySelectorAll('input, textarea')).some((n) => (n as HTMLInputElement).value.includes(s)), secret);

describe.skipIf(!available)('admin staff page in a browser', () => {
  let agentId = '';
  let agentToken = '';
  let row: Locator;
  let panel: Locator;

  beforeAll(async () => {
    const classifier = await loadBuiltInEngine({ cachePath: join(tmpdir(), 'patron-nlu', 'nlu-model.json') });
    [app, browser] = await Promise.all([
      startTestApp({ DATA_DIR: data.dir, ADMIN_TOKEN }, { classifier }),
      launchBrowser(),
    ]);
    context = await browser.newContext({ reducedMotion: 'reduce', viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    watch(page);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    data.cleanup();
    console.log(`[staff e2e] screenshots in ${shots}`);
  });

  it('opens Staff from the nav and marks the signed-in admin as "you"', async () => {
    await page.goto(`${app.url}/admin/`);
    await page.getByLabel('Access token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Staff' }).click();
    await page.getByRole('heading', { name: 'Staff accounts', level: 1 }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
    const me = (await call(ADMIN_TOKEN, '/api/me')).body;
    const own = page.locator('tr.staff-row[data-self="true"]');
    await own.waitFor();
    expect(await own.getAttribute('data-id')).toBe(me.id);
    expect(await own.locator('.badge.you').textContent()).toBe('you');
    expect(await page.locator('tr.staff-row').count()).toBe((await accounts()).length);
  });

  it('refuses a short password in the browser, then creates an agent and shows its token once', async () => {
    const before = (await accounts()).length;
    const form = page.locator('form[aria-labelledby="staff-new-h"]');
    await form.getByLabel('Name').fill(AGENT.name);
    await form.getByLabel('Role').selectOption('agent');
    await form.getByLabel('E-mail (optional)').fill(AGENT.email);
    await form.getByLabel('Password (optional)').fill('too short');
    await form.getByRole('button', { name: 'Create account' }).click();
    await form.getByRole('alert').filter({ hasText: 'The password must be at least 10 characters.' }).waitFor();
    expect(await form.getByLabel('Password (optional)').getAttribute('aria-invalid')).toBe('true');
    expect((await accounts()).length).toBe(before);

    await form.getByLabel('Password (optional)').fill(AGENT.password);
    await form.getByRole('button', { name: 'Create account' }).click();
    const tokenField = page.getByRole('textbox', { name: 'API token' });
    await tokenField.waitFor();
    agentToken = await tokenField.inputValue();
    expect(agentToken.length).toBeGreaterThanOrEqual(20);
    expect(await tokenField.getAttribute('readonly')).not.toBeNull();
    expect(await page.evaluate(() => document.activeElement?.hasAttribute('data-token'))).toBe(true);
    expect(await page.getByText('it will not be shown again').count()).toBe(1);
    await page.screenshot({ path: join(shots, 'created-en.png'), fullPage: true });

    const created = (await accounts()).find((a) => a.email === AGENT.email)!;
    expect(created).toMatchObject({ name: AGENT.name, role: 'agent', disabled_at: null });
    agentId = created.id;
    expect((await call(agentToken, '/api/me')).body).toMatchObject({ id: agentId, name: AGENT.name, role: 'agent' });

    row = page.locator(`tr.staff-row[data-id="${agentId}"]`);
    panel = page.locator(`tr.staff-panel[data-for="${agentId}"]`);
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual(expect.arrayContaining([AGENT.name, AGENT.email, 'Agent', 'Active']));

    await page.getByRole('button', { name: 'I have saved it' }).click();
    expect(await tokenField.count()).toBe(0);
    expect(await pageHolds(page, agentToken)).toBe(false);
    await page.reload();
    await row.waitFor();
    expect(await pageHolds(page, agentToken)).toBe(false);
  });

  it('changes the role to marketer', async () => {
    await row.getByRole('button', { name: `Manage ${AGENT.name}` }).click();
    expect(await row.getByRole('button', { name: `Manage ${AGENT.name}` }).getAttribute('aria-expanded')).toBe('true');
    await panel.getByRole('combobox', { name: `Role of ${AGENT.name}` }).selectOption('marketer');
    await panel.getByRole('button', { name: 'Change role' }).click();
    await panel.getByRole('status').filter({ hasText: 'The role is now Marketer.' }).waitFor();
    expect((await account(agentId)).role).toBe('marketer');
    await page.screenshot({ path: join(shots, 'panel-en.png'), fullPage: true });
    expect((await call(agentToken, '/api/me')).body.role).toBe('marketer');
    expect(await row.locator('td').nth(2).textContent()).toBe('Marketer');
  });

  it('disables only after an inline confirmation, and enables again', async () => {
    await panel.getByRole('button', { name: 'Disable' }).click();
    const question = panel.getByRole('group', { name: `Disable ${AGENT.name}? Their API token and sessions stop working at once.` });
    await question.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    expect((await account(agentId)).disabled_at).toBeNull();
    await question.getByRole('button', { name: 'Cancel' }).click();
    expect(await question.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Disable');
    expect(await meStatus(agentToken)).toBe(200);

    await panel.getByRole('button', { name: 'Disable' }).click();
    await question.getByRole('button', { name: 'Yes, disable' }).click();
    await panel.getByRole('status').filter({ hasText: `${AGENT.name} is disabled.` }).waitFor();
    expect((await account(agentId)).disabled_at).not.toBeNull();
    expect(await meStatus(agentToken)).toBe(401);
    expect(await row.locator('.badge').textContent()).toBe('Disabled');
    await page.reload();
    await row.locator('.badge.disabled').waitFor();
    expect(await row.locator('td').nth(3).textContent()).toBe('Disabled');

    await row.getByRole('button', { name: `Manage ${AGENT.name}` }).click();
    await panel.getByRole('button', { name: 'Enable' }).click();
    await panel.getByRole('status').filter({ hasText: `${AGENT.name} can sign in again.` }).waitFor();
    expect((await account(agentId)).disabled_at).toBeNull();
    expect(await meStatus(agentToken)).toBe(200);
    expect(await row.locator('td').nth(3).textContent()).toBe('Active');
  });

  it('sets a new password that signs in', async () => {
    const input = panel.getByLabel(`New password for ${AGENT.name}`);
    await input.fill('short');
    await panel.getByRole('button', { name: 'Set password' }).click();
    await panel.getByRole('alert').filter({ hasText: 'The password must be at least 10 characters.' }).waitFor();
    const login = (password: string) => call(null, '/api/auth/login', { method: 'POST', body: { email: AGENT.email, password } });
    expect((await login(AGENT.password)).status).toBe(200);

    await input.fill('second password 2');
    await panel.getByRole('button', { name: 'Set password' }).click();
    await panel.getByRole('status').filter({ hasText: 'The password was set.' }).waitFor();
    expect(await input.inputValue()).toBe('');
    const signedIn = await login('second password 2');
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user).toMatchObject({ id: agentId, role: 'marketer' });
    expect((await login(AGENT.password)).status).toBe(401);
  });

  it('replaces the API token after an inline confirmation', async () => {
    await panel.getByRole('button', { name: 'Replace token' }).click();
    const question = panel.getByRole('group', { name: /^Replace the API token of Ana Lee\?/ });
    await question.waitFor();
    expect(await meStatus(agentToken)).toBe(200);
    await question.getByRole('button', { name: 'Yes, replace' }).click();
    const tokenField = panel.getByRole('textbox', { name: 'API token' });
    await tokenField.waitFor();
    const fresh = await tokenField.inputValue();
    expect(fresh).not.toBe(agentToken);
    expect(await meStatus(agentToken)).toBe(401);
    expect(await meStatus(fresh)).toBe(200);
    expect(await panel.getByText('it will not be shown again').count()).toBe(1);
    await panel.getByRole('button', { name: 'I have saved it' }).click();
    expect(await pageHolds(page, fresh)).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Replace token');
    agentToken = fresh;
  });

  it("offers no disable or role change on the admin's own row", async () => {
    const own = page.locator('tr.staff-row[data-self="true"]');
    const id = (await own.getAttribute('data-id'))!;
    const ownPanel = page.locator(`tr.staff-panel[data-for="${id}"]`);
    await own.getByRole('button', { name: /^Manage / }).click();
    await ownPanel.getByText('This is your account').waitFor();
    expect(await ownPanel.getByRole('button', { name: 'Disable' }).count()).toBe(0);
    expect(await ownPanel.getByRole('combobox').count()).toBe(0);
    expect(await ownPanel.getByRole('button', { name: 'Set password' }).count()).toBe(1);
    expect((await account(id))).toMatchObject({ role: 'admin', disabled_at: null });
  });

  it("shows the server's 409 when the page did not know the row was the admin's own", async () => {
    // Pretend /api/me is someone else, so the own row offers Disable; the server must still refuse it.
    const me = (await call(ADMIN_TOKEN, '/api/me')).body;
    await page.route('**/api/me', (r) => r.fulfill({ json: { ...me, id: '00000000-0000-4000-8000-000000000000' } }));
    await page.reload();
    const own = page.locator(`tr.staff-row[data-id="${me.id}"]`);
    await own.waitFor();
    expect(await own.getAttribute('data-self')).toBeNull();
    await own.getByRole('button', { name: /^Manage / }).click();
    const ownPanel = page.locator(`tr.staff-panel[data-for="${me.id}"]`);
    await ownPanel.getByRole('button', { name: 'Disable' }).click();
    await ownPanel.getByRole('button', { name: 'Yes, disable' }).click();
    await ownPanel.getByRole('alert').filter({ hasText: 'you cannot disable your own account or give up your own admin role; another admin can' }).waitFor();
    expect((await account(me.id)).disabled_at).toBeNull();
    expect(await meStatus(ADMIN_TOKEN)).toBe(200);
    await page.unroute('**/api/me');
    await page.reload();
    await page.locator('tr.staff-row[data-self="true"]').waitFor();
  });

  it('switches to 中文 and labels the page in Chinese', async () => {
    await page.getByRole('button', { name: '切换到中文' }).click();
    await page.getByRole('heading', { name: '员工账号', level: 1 }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    expect(await page.getByRole('navigation', { name: '栏目' }).getByRole('link', { name: '员工账号' }).count()).toBe(1);
    expect(await page.locator('main thead th').allTextContents()).toEqual(['姓名', '邮箱', '角色', '状态', '创建日期', '操作']);
    expect(await page.getByRole('button', { name: '创建账号' }).count()).toBe(1);
    expect(await row.locator('td').nth(2).textContent()).toBe('营销人员');
    await page.screenshot({ path: join(shots, 'staff-zh.png'), fullPage: true });
    expect(await page.locator('tr.staff-row[data-self="true"] .badge.you').textContent()).toBe('您');
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await page.getByRole('heading', { name: 'Staff accounts', level: 1 }).waitFor();
  });

  it('fits a phone, with a token and a manage panel open', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 800 }, isMobile: true, hasTouch: true, reducedMotion: 'reduce', locale: 'en-US' });
    phone.setDefaultTimeout(10_000);
    const p = await phone.newPage();
    watch(p);
    await p.goto(`${app.url}/admin/#/staff`);
    await p.getByLabel('Access token').fill(ADMIN_TOKEN);
    await p.getByRole('button', { name: 'Use token' }).click();
    await p.getByRole('heading', { name: 'Staff accounts', level: 1 }).waitFor();
    await p.locator(`tr.staff-row[data-id="${agentId}"]`).waitFor();
    expect(await noHorizontalScroll(p)).toBe(true);
    await p.getByLabel('Name').first().fill('Bo Phone-with-a-rather-long-name');
    await p.getByLabel('E-mail (optional)').fill('bo.has.a.very.long.address@subdomain.example.com');
    await p.getByRole('button', { name: 'Create account' }).click();
    await p.getByRole('textbox', { name: 'API token' }).waitFor();
    expect((await accounts()).some((a) => a.email === 'bo.has.a.very.long.address@subdomain.example.com')).toBe(true);
    await p.locator(`tr.staff-row[data-id="${agentId}"]`).getByRole('button', { name: `Manage ${AGENT.name}` }).click();
    await p.locator(`tr.staff-panel[data-for="${agentId}"]`).getByRole('button', { name: 'Replace token' }).waitFor();
    expect(await noHorizontalScroll(p)).toBe(true);
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await p.screenshot({ path: join(shots, 'phone.png'), fullPage: true });
    await phone.close();
  });

  it('keeps Staff out of the nav for a marketer', async () => {
    const ctx = await browser.newContext({ reducedMotion: 'reduce', locale: 'en-US' });
    ctx.setDefaultTimeout(10_000);
    const p = await ctx.newPage();
    watch(p);
    await p.goto(`${app.url}/admin/#/staff`);
    await p.getByLabel('Access token').fill(agentToken);
    await p.getByRole('button', { name: 'Use token' }).click();
    await p.getByRole('heading', { name: 'Segments', level: 1 }).waitFor();
    expect(await p.getByRole('navigation', { name: 'Sections' }).getByRole('link').allTextContents()).toEqual(['Segments', 'Campaigns']);
    expect(await p.locator('form[aria-labelledby="staff-new-h"]').count()).toBe(0);
    await ctx.close();
  });

  it('ran without page errors or dialogs', () => {
    expect(problems).toEqual([]);
  });
});
