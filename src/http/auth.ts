import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError } from '../core/errors.js';
import type { StaffService } from '../crm/staff/staff.service.js';
import type { StaffPrincipal, StaffRole } from '../crm/staff/staff.types.js';

declare module 'express-serve-static-core' {
  interface Request {
    staff?: StaffPrincipal;
    /** The bearer token `staff` was found by (a session token or an API token). */
    staffToken?: string;
  }
}

/** Reads `Authorization: Bearer <token>` and attaches the staff member; 401 when missing or wrong. */
export function authenticate(staff: StaffService): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError('unauthorized', 'Authorization: Bearer <token> header is required');
    const principal = await staff.authenticate(match[1]);
    if (!principal) throw new AppError('unauthorized', 'the bearer token is not valid (or its session expired)');
    req.staff = principal;
    req.staffToken = match[1];
    next();
  };
}

/** 403 unless the signed-in staff member has one of `roles` (admins may do everything). */
export function requireRole(...roles: StaffRole[]): RequestHandler {
  return (req, _res, next) => {
    const role = req.staff?.role;
    if (!role) throw new AppError('unauthorized', 'not signed in');
    if (role !== 'admin' && !roles.includes(role)) throw new AppError('forbidden', `this needs the ${roles.join(' or ')} role; you are ${role}`);
    next();
  };
}
