/**
 * Password guessing on the staff sign-in: every attempt takes a point from the account's and the
 * address's bucket before the password is checked; a refused password is audited, the password
 * never is.
 */
import { describe, expect, it } from 'vitest';
import { parseRate } from '../../src/core/config.js';
import { SignInLimiter } from '../../src/http/rate-limit.js';
import { MemoryCoordination } from '../../src/storage/coordination.memory.js';
import { postJson, useTestApp } from '../helpers/app.js';

const ADMIN = 'admin-token-for-sign-in-tests-0123';
const PASSWORD = 'correct horse battery staple';
// 3 attempts per account in a minute; the address gets three accounts' worth (9).
const app = useTestApp({ ADMIN_TOKEN: ADMIN, SIGN_IN_RATE_LIMIT: '3/60', DEMO_DATA: 'false' }, {}, 'patron-sign-in-');

let signIns = 0;
function countSignIns() {
  const original = app.staff.signIn.bind(app.staff);
  app.staff.signIn = (...args: Parameters<typeof original>) => {
    signIns++;
    return original(...args);
  };
}

async function login(email: string, password: string, ip: string) {
  const res = await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify({ email, password }) });
  return { status: res.status, body: (await res.json()) as any, retryAfter: res.headers.get('retry-after') };
}

async function user(email: string) {
  const created = await postJson(`${app.url}/api/users`, { name: email.split('@')[0], role: 'agent', email, password: PASSWORD }, { authorization: `Bearer ${ADMIN}` });
  expect(created.status).toBe(201);
}

describe('sign-in attempts are limited', () => {
  it('refuses an account after its attempts are used, even with the right password, without checking it; other accounts still sign in', async () => {
    countSignIns();
    await user('ana@example.com');
    await user('bo@example.com');
    for (let i = 0; i < 3; i++) expect((await login('ana@example.com', `guess number ${i}`, '203.0.113.10')).status).toBe(401);
    const before = signIns;
    const refused = await login('ANA@example.com', PASSWORD, '203.0.113.11');
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/^too many sign-in attempts for this account; wait \d+ s and try again$/) });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
    expect(signIns).toBe(before);
    expect((await login('bo@example.com', PASSWORD, '203.0.113.10')).status).toBe(200);
  });

  it('refuses an address that tries many accounts, and no other address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await login(`nobody-${i}@example.com`, 'a guess at it', '198.51.100.20')).status);
    expect(statuses).toEqual([...Array(9).fill(401), 429, 429]);
    const other = await login('nobody-0@example.com', 'a guess at it', '198.51.100.21');
    expect(other.status).toBe(401);
    expect(other.body.error.message).toMatch(/e-mail or password is wrong/);
  });

  it('audits each refused password with the e-mail given, never the password; attempts refused by the limit are not audited', async () => {
    const failed = (await app.staff.auditTrail({ limit: 500 })).filter((a) => a.action === 'auth.login_failed');
    // Three guesses at ana, nine at nobody-*, one more from another address (the 429s are not in it).
    expect(failed).toHaveLength(13);
    expect(failed.filter((a) => JSON.stringify(a.detail).includes('ana@example.com'))).toHaveLength(3);
    expect(failed.every((a) => a.actor_id === null)).toBe(true);
    expect(JSON.stringify(failed)).not.toMatch(/guess/);
    expect((await app.staff.auditTrail({ limit: 500 })).filter((a) => a.action === 'auth.login')).toHaveLength(1);
  });

  it('counts nothing when set to off', async () => {
    const coordination = new MemoryCoordination();
    const limiter = new SignInLimiter(coordination, { perAccount: parseRate('off', { points: 1, durationMs: 1000 }) });
    for (let i = 0; i < 100; i++) await limiter.check('192.0.2.1', 'ana@example.com');
    await coordination.close();
  });
});
