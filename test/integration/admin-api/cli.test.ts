import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../../src/cli/doctor.command.js';
import { runMigrate } from '../../../src/cli/migrate.command.js';
import { tempDataDir } from '../../helpers/app.js';

const GOOD_TOKEN = '123456:good-token';
let fake: Server;
let fakeUrl: string;

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

beforeAll(async () => {
  // Telegram's getMe and Slack's auth.test, as real HTTP on 127.0.0.1.
  fake = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === `/bot${GOOD_TOKEN}/getMe`) return res.end(JSON.stringify({ ok: true, result: { id: 1, is_bot: true, username: 'patron_test_bot' } }));
    if (req.url?.startsWith('/bot')) {
      res.statusCode = 401;
      return res.end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }));
    }
    if (req.url === '/slack/auth.test') {
      const ok = req.headers.authorization === 'Bearer xoxb-good';
      return res.end(JSON.stringify(ok ? { ok: true, team: 'Patron', user: 'patronbot' } : { ok: false, error: 'invalid_auth' }));
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => fake.close(() => resolve()));
});

describe('patron migrate', () => {
  it('applies every migration once to a fresh data dir and reports it is up to date after', async () => {
    const data = tempDataDir('patron-migrate-');
    try {
      const out = capture();
      const io = { stdout: out.stream, stderr: out.stream };
      expect(await runMigrate(['--status'], io, { env: { DATA_DIR: data.dir } })).toBe(0);
      expect(out.text()).toMatch(/pending/);
      expect(await runMigrate([], io, { env: { DATA_DIR: data.dir } })).toBe(0);
      expect(out.text()).toMatch(/applied 0001-foundation/);
      expect(out.text()).toMatch(/applied 0011-admin/);
      const again = capture();
      expect(await runMigrate([], { stdout: again.stream, stderr: again.stream }, { env: { DATA_DIR: data.dir } })).toBe(0);
      expect(again.text()).toMatch(/already up to date/);
      expect(await runMigrate(['--bogus'], { stdout: again.stream, stderr: again.stream }, { env: { DATA_DIR: data.dir } })).toBe(2);
    } finally {
      data.cleanup();
    }
  });
});

describe('patron doctor', () => {
  it('passes with every check green when the configuration is sound', async () => {
    const data = tempDataDir('patron-doctor-');
    try {
      const out = capture();
      const env = { DATA_DIR: data.dir, TELEGRAM_BOT_TOKEN: GOOD_TOKEN, TELEGRAM_API_ROOT: fakeUrl, SLACK_BOT_TOKEN: 'xoxb-good', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: `${fakeUrl}/slack/`, SHOP_WEBHOOK_SECRET: 'shh' };
      const code = await runDoctor([], { stdout: out.stream, stderr: out.stream }, { env });
      expect(out.text(), out.text()).not.toMatch(/✗/);
      expect(code).toBe(0);
      expect(out.text()).toMatch(/✓ telegram: token valid for @patron_test_bot/);
      expect(out.text()).toMatch(/✓ slack: token valid/);
      expect(out.text()).toMatch(/✓ database: .*migration/);
      expect(out.text()).toMatch(/✓ data dir/);
    } finally {
      data.cleanup();
    }
  });

  it('fails with one line per problem saying what to fix', async () => {
    const data = tempDataDir('patron-doctor-');
    try {
      const out = capture();
      const env = {
        DATA_DIR: data.dir, TELEGRAM_BOT_TOKEN: '999:bad-token', TELEGRAM_API_ROOT: fakeUrl, TELEGRAM_MODE: 'webhook', TELEGRAM_WEBHOOK_URL: 'http://bot.example/telegram/webhook',
        SLACK_BOT_TOKEN: 'xoxb-bad', SLACK_API_URL: `${fakeUrl}/slack/`, REDIS_URL: 'redis://127.0.0.1:1',
      };
      expect(await runDoctor([], { stdout: out.stream, stderr: out.stream }, { env })).toBe(1);
      const text = out.text();
      expect(text).toMatch(/✗ telegram: TELEGRAM_BOT_TOKEN was rejected .*BotFather/);
      expect(text).toMatch(/✗ telegram webhook: TELEGRAM_WEBHOOK_URL must be https.*TELEGRAM_WEBHOOK_SECRET/);
      expect(text).toMatch(/✗ slack: auth.test failed \(invalid_auth\)/);
      expect(text).toMatch(/✗ redis: cannot reach/);
      expect(text).toMatch(/✗ shop webhook: SHOP_WEBHOOK_SECRET is not set/);
    } finally {
      data.cleanup();
    }
  });

  it('stops at a bad environment value with the variable named', async () => {
    const out = capture();
    expect(await runDoctor([], { stdout: out.stream, stderr: out.stream }, { env: { PORT: 'abc' } })).toBe(1);
    expect(out.text()).toMatch(/^✗ configuration: PORT must be a whole number/);
  });
});
