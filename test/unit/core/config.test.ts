import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, loadEnv, readConfigFile } from '../../../src/core/config.js';

describe('configuration', () => {
  it('uses the documented defaults when nothing is set', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', DATA_DIR: './data', DEFAULT_LOCALE: 'en', TELEGRAM_MODE: 'polling' });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('stops on a bad PORT with one line naming the variable and the value', () => {
    expect(() => loadEnv({ PORT: 'abc' })).toThrow(/^PORT must be a whole number \(got "abc"\)$/);
    expect(() => loadEnv({ PORT: '70000' })).toThrow(/^PORT must be between 0 and 65535/);
  });

  it('names the variable for a malformed DATABASE_URL, REDIS_URL, locale or time zone', () => {
    expect(() => loadEnv({ DATABASE_URL: 'mysql://x' })).toThrow(/^DATABASE_URL must be a URL starting with postgres:/);
    expect(() => loadEnv({ REDIS_URL: 'localhost:6379' })).toThrow(/^REDIS_URL /);
    expect(() => loadEnv({ DEFAULT_LOCALE: 'fr' })).toThrow(/^DEFAULT_LOCALE must be one of en, zh-CN/);
    expect(() => loadEnv({ TZ: 'Mars/Olympus' })).toThrow(/^TZ must be an IANA time zone/);
  });

  it('names the variable for bad operational limits', () => {
    expect(() => loadEnv({ HANDOFF_IDLE_MINUTES: '0' })).toThrow(/^HANDOFF_IDLE_MINUTES must be at least 1/);
    expect(() => loadEnv({ CHAT_RATE_LIMIT: 'lots' })).toThrow(/^CHAT_RATE_LIMIT must look like 30\/10/);
    expect(() => loadEnv({ SIGN_IN_RATE_LIMIT: '10 per minute' })).toThrow(/^SIGN_IN_RATE_LIMIT must look like 10\/900/);
    expect(() => loadEnv({ CAMPAIGN_QUIET_HOURS: '9pm-9am' })).toThrow(/^CAMPAIGN_QUIET_HOURS must look like 21:00-09:00/);
    expect(loadEnv({ HANDOFF_IDLE_MINUTES: '30' }).HANDOFF_IDLE_MINUTES).toBe(30);
    expect(() => loadEnv({ TELEGRAM_WEBHOOK_MAX_CONNECTIONS: '500' })).toThrow(/^TELEGRAM_WEBHOOK_MAX_CONNECTIONS must be a whole number from 1 to 100/);
    expect(loadEnv({}).TELEGRAM_WEBHOOK_MAX_CONNECTIONS).toBe(40);
  });

  it('does not echo secrets in full when they are rejected', () => {
    expect(() => loadEnv({ TELEGRAM_BOT_TOKEN: 'supersecretvalue' })).toThrow(/got "su…"/);
  });

  it('treats empty variables as unset', () => {
    expect(loadEnv({ DATABASE_URL: '', REDIS_URL: ' ' }).REDIS_URL).toBeUndefined();
  });

  it('resolves DATA_DIR to an absolute path', () => {
    expect(loadConfig({ DATA_DIR: 'rel/dir' }).dataDir.startsWith('/')).toBe(true);
  });

  it('reports a config file with a bad field by file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    mkdirSync(join(dir, 'x'));
    writeFileSync(join(dir, 'x', 'a.json'), JSON.stringify({ rate: 'fast' }));
    expect(() => readConfigFile(dir, 'x/a.json', z.object({ rate: z.number() }))).toThrow(/^config file x\/a.json: rate /);
    writeFileSync(join(dir, 'x', 'b.json'), '{oops');
    expect(() => readConfigFile(dir, 'x/b.json', z.object({}))).toThrow(/is not valid JSON/);
  });
});
