import { Router } from 'express';
import { z } from 'zod';
import type { StaffService } from '../../../crm/staff/staff.service.js';
import { STAFF_ROLES, type StaffRole } from '../../../crm/staff/staff.types.js';
import { authenticate, requireRole } from '../../auth.js';
import { parseBody } from '../../validate.js';

const createUser = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum(STAFF_ROLES as [StaffRole, ...StaffRole[]]),
  email: z.string().email().max(200).optional(),
  password: z.string().min(10, 'must be at least 10 characters').max(200).optional(),
});
const login = z.object({ email: z.string().email().max(200), password: z.string().min(1).max(200) });

/** Sign-in, the current user, and staff accounts (`POST /api/users` is admin only). */
export function staffRoutes(staff: StaffService): Router {
  const router = Router();
  router.post('/api/auth/login', async (req, res) => {
    const body = parseBody(login, req.body);
    const session = await staff.signIn(body.email, body.password);
    await staff.audit(session.user, 'auth.login');
    res.json({ token: session.token, expiresAt: session.expiresAt.toISOString(), user: session.user });
  });

  const api = Router();
  api.use(authenticate(staff));
  api.get('/me', (req, res) => {
    res.json(req.staff);
  });
  api.post('/auth/logout', async (req, res) => {
    await staff.signOut((req.get('authorization') ?? '').replace(/^Bearer\s+/i, ''));
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
  router.use('/api', api);
  return router;
}
