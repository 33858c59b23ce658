/**
 * Staff sign-in leaks nothing through its timing and keeps sessions and their audit rows
 * together: an unknown e-mail costs the same password hashing as a wrong password, a session
 * exists only with its `auth.login` row, and ending one writes `auth.logout` in the same
 * transaction.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const hashing = vi.hoisted(() => ({ calls: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const scrypt = ((...args: unknown[]) => {
    hashing.calls++;
    return (real.scrypt as (...a: unknown[]) => void)(...args);
  }) as typeof real.scrypt;
  return { ...real, default: { ...real, scrypt }, scrypt };
});

const { StaffService } = await import('../../src/crm/staff/staff.service.js');
const { migrate, openStore } = await import('../../src/storage/database.js');
const { tempDataDir } = await import('../helpers/app.js');

const data = tempDataDir('patron-sign-in-work-');
let store: Awaited<ReturnType<typeof openStore>>;
let staff: InstanceType<typeof StaffService>;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  store = await openStore({ dataDir: data.dir });
  await migrate(store.db);
  staff = new StaffService(store.db);
  await staff.create({ name: 'Ana', role: 'agent', email: 'ana@example.com', password: PASSWORD });
  await staff.create({ name: 'Token Only', role: 'agent', email: 'token@example.com' });
});
afterAll(async () => {
  await store.close();
  data.cleanup();
});

async function hashesFor(email: string, password: string): Promise<number> {
  const before = hashing.calls;
  await expect(staff.signIn(email, password)).rejects.toMatchObject({ code: 'unauthorized' });
  return hashing.calls - before;
}

const sessions = async () => Number((await store.db.selectFrom('staff_sessions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
const audited = async (action: string) => (await staff.auditTrail({ limit: 500 })).filter((a) => a.action === action);

describe('staff sign-in', () => {
  it('hashes the password once whether the e-mail is unknown, has no password, or the password is wrong', async () => {
    // The very first unknown e-mail too: the decoy costs nothing to make.
    expect(await hashesFor('first@example.com', 'a first guess')).toBe(1);
    expect(await hashesFor('ana@example.com', 'a wrong password')).toBe(1);
    expect(await hashesFor('nobody@example.com', 'a wrong password')).toBe(1);
    expect(await hashesFor('token@example.com', 'a wrong password')).toBe(1);
  });

  it('creates no session when its audit row cannot be written', async () => {
    const before = await sessions();
    await expect(staff.signIn('ana@example.com', PASSWORD, async () => { throw new Error('audit log down'); })).rejects.toThrow(/audit log down/);
    expect(await sessions()).toBe(before);
    const ok = await staff.signIn('ana@example.com', PASSWORD, (trx, user) => staff.audit(user, 'auth.login', undefined, undefined, trx));
    expect(await sessions()).toBe(before + 1);
    expect((await audited('auth.login')).map((a) => a.actor_id)).toEqual([ok.user.id]);
  });

  it('audits the end of a session in its transaction, once, and nothing for a token that is not a session', async () => {
    const { token, user } = await staff.signIn('ana@example.com', PASSWORD);
    const logout = (t: string) => staff.signOut(t, (trx) => staff.audit(user, 'auth.logout', undefined, undefined, trx));
    await expect(staff.signOut(token, async () => { throw new Error('audit log down'); })).rejects.toThrow(/audit log down/);
    expect(await staff.authenticate(token)).toMatchObject({ id: user.id });
    await logout(token);
    await logout(token);
    await logout('not-a-session-token-0123456789');
    expect(await staff.authenticate(token)).toBeUndefined();
    expect(await audited('auth.logout')).toHaveLength(1);
  });
});
