import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { DeliveryError } from '../../../src/channels/channel-adapter.js';
import { EmailAdapter } from '../../../src/channels/email/email.adapter.js';
import { newId } from '../../../src/core/ids.js';
import { startCampaignApp, type CampaignApp } from '../campaigns/support/campaign-app.js';
import { tempDataDir } from '../../helpers/app.js';

interface Captured {
  to: string[];
  raw: string;
}

/** A real SMTP server on 127.0.0.1 that keeps every message; `gone@…` mailboxes answer 550. */
async function startSmtp(): Promise<{ url: string; inbox: Captured[]; close: () => Promise<void> }> {
  const inbox: Captured[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith('gone@')) return cb(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, inbox, close: () => new Promise((r) => server.close(() => r())) };
}

/** Unfolded header value (first match). */
function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/, 1)[0].replace(/\r?\n[ \t]+/g, ' ');
  return new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1];
}
const decodeQp = (s: string) => s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));

let smtp: Awaited<ReturnType<typeof startSmtp>>;
beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(async () => {
  await smtp?.close();
});

describe('e-mail adapter over SMTP', () => {
  it('sends with a one-click List-Unsubscribe header and a visible unsubscribe link', async () => {
    const adapter = new EmailAdapter({ smtpUrl: smtp.url, from: 'Shop <news@shop.test>' });
    const url = 'http://shop.test/unsubscribe?t=abc.def';
    await adapter.send('ann@example.test', { text: `Spring sale\nUp to 30% off.\n\nUnsubscribe: ${url}`, buttons: [{ label: 'Shop now', url: 'http://shop.test/sale' }], attachments: [{ type: 'link', url, name: 'unsubscribe' }] });
    await adapter.stop();
    const mail = smtp.inbox.at(-1)!;
    expect(mail.to).toEqual(['ann@example.test']);
    expect(header(mail.raw, 'Subject')).toBe('Spring sale');
    expect(header(mail.raw, 'List-Unsubscribe')).toBe(`<${url}>`);
    expect(header(mail.raw, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(decodeQp(mail.raw)).toContain(`Unsubscribe: ${url}`);
    expect(decodeQp(mail.raw)).toContain('http://shop.test/sale');
  });

  it('reports a 550 mailbox as unreachable and a dead server as retry', async () => {
    const adapter = new EmailAdapter({ smtpUrl: smtp.url, from: 'news@shop.test' });
    await expect(adapter.send('gone@example.test', { text: 'x' })).rejects.toMatchObject({ failure: 'unreachable' });
    await expect(adapter.send('not an address', { text: 'x' })).rejects.toMatchObject({ failure: 'permanent' });
    await adapter.stop();
    const dead = new EmailAdapter({ smtpUrl: 'smtp://127.0.0.1:1', from: 'news@shop.test' });
    const err = await dead.send('ann@example.test', { text: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err.failure).toBe('retry');
    await dead.stop();
  });
});

describe('e-mail campaign with one-click unsubscribe (app)', () => {
  const data = tempDataDir('patron-email-');
  let c: CampaignApp;
  beforeAll(async () => {
    c = await startCampaignApp({ DATA_DIR: data.dir, SMTP_URL: smtp.url, MAIL_FROM: 'Shop <news@shop.test>', CAMPAIGN_QUIET_HOURS: 'off', DEMO_DATA: 'false' }, { jobs: false });
  });
  afterAll(async () => {
    await c?.app.stop();
    data.cleanup();
  });

  it('delivers the campaign e-mail, and its one-click link withdraws e-mail marketing consent at once', async () => {
    const { app, campaigns } = c;
    const customer = newId();
    await app.store.db.insertInto('customers').values({ id: customer, name: 'Lin', locale: 'en', timezone: null, email: 'lin@example.test', tags: ['mail'] } as never).execute();
    await app.crm.consent.grant(customer, 'email', 'marketing', 'web_form');
    const segment = await app.crm.segments.create({ name: 'mail', filter: { tags: ['mail'] } });
    const made = await campaigns.campaigns.create({ name: 'Spring', segmentId: segment.id, channels: ['email'], messages: { en: { text: 'Spring sale for {name}\nUp to 30% off.' } }, schedule: { at: new Date().toISOString() } }, { id: newId(), name: 'M', role: 'marketer' });
    await campaigns.campaigns.approve(made.id, { id: newId(), name: 'A', role: 'admin' });
    await campaigns.campaigns.schedule(made.id);
    expect(await campaigns.trigger.tick()).toBe(1);
    expect((await campaigns.worker.drain(5_000)).handed).toBe(1);
    const start = Date.now();
    while (!smtp.inbox.some((m) => m.to.includes('lin@example.test')) && Date.now() - start < 20_000) await new Promise((r) => setTimeout(r, 50));
    const mail = smtp.inbox.find((m) => m.to.includes('lin@example.test'))!;
    expect(header(mail.raw, 'Subject')).toBe('Spring sale for Lin');
    const link = /^<(.+)>$/.exec(header(mail.raw, 'List-Unsubscribe')!)![1];
    expect(link.startsWith(`${app.url}/unsubscribe?t=`)).toBe(true);
    expect(decodeQp(mail.raw)).toContain(`Unsubscribe: ${link}`);

    // A mail scanner following the link must not unsubscribe: GET only shows the confirmation.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('method="post"');
    expect(await app.crm.consent.mayMarket(customer, 'email')).toBe(true);

    const forged = await fetch(link.replace(/t=[^.]+/, 't=AAAA'), { method: 'POST' });
    expect(forged.status).toBe(400);

    const oneClick = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect(await app.crm.consent.mayMarket(customer, 'email')).toBe(false);

    await campaigns.worker.settle();
    const results = await campaigns.campaigns.results(made.id);
    expect(results.total).toMatchObject({ sent: 1, unsubscribed: 1 });
  });
});
