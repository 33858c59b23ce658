import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { systemClock, type Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import { newId, newToken } from '../../core/ids.js';
import type { Db } from '../../storage/database.js';
import type { StaffPrincipal, StaffRole } from './staff.types.js';
import './staff.types.js';

/** What an admin may change on a staff account (`PATCH /api/users/:id`). */
export interface StaffChange {
  name?: string;
  email?: string | null;
  role?: StaffRole;
  password?: string;
  disabled?: boolean;
}

/** A staff account as the API lists it (no secrets). */
export interface StaffAccount {
  id: string;
  name: string;
  email: string | null;
  role: StaffRole;
  created_at: Date;
  disabled_at: Date | null;
}

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/** API tokens are long random strings, so a fast hash is enough to keep them out of the database. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32);
  return `scrypt$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Turns the e-mail's unique violation into a 409 naming it; other errors pass. */
function emailTaken(email: string | null | undefined): (err: unknown) => never {
  return (err) => {
    if (/unique|duplicate/i.test(String((err as Error | null)?.message))) throw new AppError('conflict', `a staff member with e-mail ${email} already exists`);
    throw err;
  };
}

// Checked against when the account does not exist or has no password, so that answer takes as long
// as a wrong password (the time must not tell which e-mails are staff accounts). A stored hash in form
// only — random salt, random key — so it costs the one scrypt of checking it and none to make, and
// no password matches it.
const DECOY_HASH = `scrypt$${randomBytes(16).toString('base64')}$${randomBytes(32).toString('base64')}`;

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(actual, expected);
}

/** Staff accounts: API tokens, password sign-in with expiring sessions, and the audit log. */
export class StaffService {
  constructor(private readonly db: Db, private readonly clock: Clock = systemClock, private readonly sessionHours = 12) {}

  /** Makes sure the bootstrap admin exists and answers to `token` (ADMIN_TOKEN or a generated one). */
  async ensureBootstrapAdmin(token: string): Promise<void> {
    const hash = hashToken(token);
    const existing = await this.db.selectFrom('staff_users').select('id').where('name', '=', 'admin').where('role', '=', 'admin').orderBy('created_at').executeTakeFirst();
    if (existing) {
      await this.db.updateTable('staff_users').set({ token_hash: hash, disabled_at: null }).where('id', '=', existing.id).execute();
      return;
    }
    await this.db.insertInto('staff_users').values({ id: newId(), name: 'admin', email: null, role: 'admin', password_hash: null, token_hash: hash, disabled_at: null }).onConflict((oc) => oc.column('token_hash').doNothing()).execute();
  }

  /**
   * Creates a staff member with an API token (shown once) and optionally a password. `audit` runs in
   * the insert's transaction and gets the new id (the account and its audit row commit together).
   */
  async create(input: { name: string; role: StaffRole; email?: string; password?: string }, audit?: (trx: Db, id: string) => Promise<void>): Promise<{ id: string; token: string }> {
    const token = newToken(24);
    const id = newId();
    // Hashed before the transaction opens: scrypt is slow and needs no row locks.
    const passwordHash = input.password ? await hashPassword(input.password) : null;
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('staff_users')
        .values({ id, name: input.name, email: input.email ?? null, role: input.role, password_hash: passwordHash, token_hash: hashToken(token), disabled_at: null })
        .execute()
        .catch(emailTaken(input.email));
      await audit?.(trx, id);
    });
    return { id, token };
  }

  /**
   * Changes an account (admin only, via the API). A disabled account's API token and sessions stop
   * working at once; a new password or a disable ends its sessions — all but `keepSession` (the
   * token of the request, when someone sets their own password). Nobody can disable their own
   * account or take away their own admin role (so an instance always keeps an admin who can act).
   * `audit` runs in the change's transaction.
   */
  async update(id: string, change: StaffChange, actor: Pick<StaffPrincipal, 'id'>, audit?: (trx: Db) => Promise<void>, keepSession?: string): Promise<StaffAccount> {
    if (id === actor.id && (change.disabled === true || (change.role !== undefined && change.role !== 'admin'))) {
      throw new AppError('conflict', 'you cannot disable your own account or give up your own admin role; another admin can');
    }
    // Hashed before the transaction opens: scrypt is slow and needs no row locks.
    const passwordHash = change.password ? await hashPassword(change.password) : undefined;
    return this.db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('staff_users').select(['id', 'disabled_at']).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!current) throw new AppError('not_found', `staff member ${id} not found`);
      const set = {
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(change.email !== undefined ? { email: change.email } : {}),
        ...(change.role !== undefined ? { role: change.role } : {}),
        ...(passwordHash ? { password_hash: passwordHash } : {}),
        ...(change.disabled !== undefined ? { disabled_at: change.disabled ? (current.disabled_at ?? this.clock.now()) : null } : {}),
      };
      if (Object.keys(set).length > 0) {
        await trx.updateTable('staff_users').set(set).where('id', '=', id).execute().catch(emailTaken(change.email));
      }
      if (passwordHash || change.disabled) {
        let ended = trx.deleteFrom('staff_sessions').where('user_id', '=', id);
        if (keepSession && !change.disabled) ended = ended.where('token_hash', '<>', hashToken(keepSession));
        await ended.execute();
      }
      await audit?.(trx);
      return trx.selectFrom('staff_users').select(['id', 'name', 'email', 'role', 'created_at', 'disabled_at']).where('id', '=', id).executeTakeFirstOrThrow();
    });
  }

  /** A new API token for the account (shown once); the old one stops working. `audit` runs in the same transaction. */
  async rotateToken(id: string, audit?: (trx: Db) => Promise<void>): Promise<{ id: string; token: string }> {
    const token = newToken(24);
    await this.db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('staff_users').set({ token_hash: hashToken(token) }).where('id', '=', id).executeTakeFirst();
      if (Number(res.numUpdatedRows ?? 0) === 0) throw new AppError('not_found', `staff member ${id} not found`);
      await audit?.(trx);
    });
    return { id, token };
  }

  /** The staff member behind a bearer token or session token, or undefined. */
  async authenticate(token: string): Promise<StaffPrincipal | undefined> {
    if (!token || token.length > 200) return undefined;
    const hash = hashToken(token);
    const byToken = await this.db.selectFrom('staff_users').select(['id', 'name', 'role']).where('token_hash', '=', hash).where('disabled_at', 'is', null).executeTakeFirst();
    if (byToken) return byToken;
    return this.db
      .selectFrom('staff_sessions as s')
      .innerJoin('staff_users as u', 'u.id', 's.user_id')
      .select(['u.id', 'u.name', 'u.role'])
      .where('s.token_hash', '=', hash)
      .where('s.expires_at', '>', this.clock.now())
      .where('u.disabled_at', 'is', null)
      .executeTakeFirst();
  }

  /**
   * Password sign-in: a session token that expires after `sessionHours`. `audit` runs in the
   * session's transaction (no session without its audit row).
   */
  async signIn(email: string, password: string, audit?: (trx: Db, user: StaffPrincipal) => Promise<void>): Promise<{ token: string; expiresAt: Date; user: StaffPrincipal }> {
    const user = await this.db.selectFrom('staff_users').selectAll().where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase())).where('disabled_at', 'is', null).executeTakeFirst();
    // Same answer, after the same work, for an unknown e-mail and a wrong password: no account enumeration.
    const stored = user?.password_hash ?? DECOY_HASH;
    const matches = await verifyPassword(password, stored);
    if (!user?.password_hash || !matches) throw new AppError('unauthorized', 'e-mail or password is wrong');
    const token = newToken(32);
    const expiresAt = new Date(this.clock.now().getTime() + this.sessionHours * 3_600_000);
    const principal = { id: user.id, name: user.name, role: user.role };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('staff_sessions').values({ token_hash: hashToken(token), user_id: user.id, expires_at: expiresAt }).execute();
      await audit?.(trx, principal);
    });
    return { token, expiresAt, user: principal };
  }

  /** Ends a password session; `audit` runs in the same transaction, and only when there was one to end. */
  async signOut(token: string, audit?: (trx: Db) => Promise<void>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const ended = await trx.deleteFrom('staff_sessions').where('token_hash', '=', hashToken(token)).executeTakeFirst();
      if (Number(ended.numDeletedRows ?? 0) > 0) await audit?.(trx);
    });
  }

  list() {
    return this.db.selectFrom('staff_users').select(['id', 'name', 'email', 'role', 'created_at', 'disabled_at']).orderBy('created_at').execute();
  }

  /** Appends to the audit log; pass `trx` to write it with the change it records. */
  async audit(actor: Pick<StaffPrincipal, 'id' | 'name'> | null, action: string, subject?: { type: string; id: string; customerId?: string }, detail?: unknown, trx?: Db): Promise<void> {
    await (trx ?? this.db)
      .insertInto('audit_log')
      .values({ actor_id: actor?.id ?? null, actor_name: actor?.name ?? null, action, subject_type: subject?.type ?? null, subject_id: subject?.id ?? null, customer_id: subject?.customerId ?? null, detail: detail === undefined ? null : JSON.stringify(detail) })
      .execute();
  }

  auditTrail(filter: { customerId?: string; limit?: number } = {}) {
    let q = this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(Math.min(filter.limit ?? 100, 500));
    if (filter.customerId) q = q.where('customer_id', '=', filter.customerId);
    return q.execute();
  }
}
