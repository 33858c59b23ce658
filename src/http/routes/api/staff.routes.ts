import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { isAppError } from '../../../core/errors.js';
import type { StaffService } from '../../../crm/staff/staff.service.js';
import { STAFF_ROLES, type StaffRole } from '../../../crm/staff/staff.types.js';
import { authenticate, requireRole } from '../../auth.js';
import { signInRateLimit, type SignInLimiter } from '../../rate-limit.js';
import { uuidParams } from '../../openapi/query.js';
import { parseBody } from '../../validate.js';

const createUser = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum(STAFF_ROLES as [StaffRole, ...StaffRole[]]),
  email: z.string().email().max(200).optional(),
  password: z.string().min(10, 'must be at least 10 characters').max(200).optional(),
});
const updateUser = z
  .object({
    name: z.string().trim().min(1).max(100),
    email: z.string().email().max(200).nullable(),
    role: z.enum(STAFF_ROLES as [StaffRole, ...StaffRole[]]),
    password: z.string().min(10, 'must be at least 10 characters').max(200),
    disabled: z.boolean(),
  })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'name one of name, email, role, password or disabled to change');
const login = z.object({ email: z.string().email().max(200), password: z.string().min(1).max(200) });

/**
 * Sign-in, the current user, and staff accounts (`POST /api/users` is admin only). Sign-in attempts
 * are limited per address and per account by `signIn`; a refused password is audited.
 * `changed` is told the id of an account whose access changed (live sockets check it again).
 */
export function staffRoutes(staff: StaffService, signIn?: SignInLimiter, changed?: (staffId: string) => void): Router {
  const router = Router();
  const limit: RequestHandler = signIn ? signInRateLimit(signIn) : (_req, _res, next) => next();
  router.post('/api/auth/login', limit, async (req, res) => {
    const body = parseBody(login, req.body);
    let session;
    try {
      session = await staff.signIn(body.email, body.password, (trx, user) => staff.audit(user, 'auth.login', undefined, undefined, trx));
    } catch (err) {
      if (isAppError(err) && err.code === 'unauthorized') await staff.audit(null, 'auth.login_failed', undefined, { email: body.email.toLowerCase() });
      throw err;
    }
    res.json({ token: session.token, expiresAt: session.expiresAt.toISOString(), user: session.user });
  });

  const api = Router();
  api.use(authenticate(staff));
  api.get('/me', (req, res) => {
    res.json(req.staff);
  });
  api.post('/auth/logout', async (req, res) => {
    // An API token is not a session: nothing ends, nothing is audited.
    await staff.signOut(req.staffToken!, (trx) => staff.audit(req.staff!, 'auth.logout', undefined, undefined, trx));
    changed?.(req.staff!.id);
    res.status(204).end();
  });
  api.get('/users', requireRole('admin'), async (_req, res) => {
    res.json({ items: await staff.list() });
  });
  api.post('/users', requireRole('admin'), async (req, res) => {
    const body = parseBody(createUser, req.body);
    // Audited in the insert's transaction.
    const created = await staff.create(body, (trx, id) => staff.audit(req.staff!, 'staff.create', { type: 'staff', id }, { name: body.name, role: body.role }, trx));
    res.status(201).json(created);
  });
  api.patch('/users/:id', requireRole('admin'), async (req, res) => {
    const { id } = parseBody(uuidParams, req.params, 'path');
    const body = parseBody(updateUser, req.body);
    const fields = Object.keys(body);
    const detail = { fields, ...(body.role ? { role: body.role } : {}), ...(body.disabled !== undefined ? { disabled: body.disabled } : {}) };
    // Setting your own password signs out your other sessions, not the one you are using.
    const current = id === req.staff!.id ? req.staffToken : undefined;
    const account = await staff.update(id, body, req.staff!, (trx) => staff.audit(req.staff!, 'staff.update', { type: 'staff', id }, detail, trx), current);
    changed?.(id);
    res.json(account);
  });
  api.post('/users/:id/token', requireRole('admin'), async (req, res) => {
    const { id } = parseBody(uuidParams, req.params, 'path');
    const rotated = await staff.rotateToken(id, (trx) => staff.audit(req.staff!, 'staff.token_rotate', { type: 'staff', id }, undefined, trx));
    changed?.(id);
    res.json(rotated);
  });
  router.use('/api', api);
  return router;
}
