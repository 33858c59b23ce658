import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import { AppError } from '../../core/errors.js';
import type { StaffPrincipal, StaffRole } from '../../crm/staff/staff.types.js';
import { requireRole } from '../auth.js';
import { parseBody } from '../validate.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Who may call a route: listed roles (admins always may), any signed-in staff member, or anyone. */
export type Access = readonly StaffRole[] | 'signed-in' | 'public';

/**
 * One documented route. `path` is relative to `/api` in express syntax (`/customers/:id`); the
 * schemas are the very ones the handler validates with, so the OpenAPI document cannot drift.
 */
export interface RouteDoc {
  method: HttpMethod;
  path: string;
  summary: string;
  tag: string;
  access: Access;
  description?: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** What `body` is checked against (default `req.body`), e.g. the body with a path key merged in. */
  bodyFrom?: (req: Request) => unknown;
  /** Request headers the route reads (documented only). */
  headers?: Array<{ name: string; description: string; required?: boolean }>;
  response: { status?: number; description: string; schema?: z.ZodType };
}

/** What a handler receives: validated params, query and body, and the signed-in staff member. */
export interface RouteInput<P, Q, B> {
  req: Request;
  res: Response;
  params: P;
  query: Q;
  body: B;
  staff: StaffPrincipal;
}

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

/** Routes and their documentation, kept together so `/api/openapi.json` lists exactly what is served. */
export class ApiRegistry {
  private readonly docs: RouteDoc[] = [];

  /** `authenticate` runs before every non-public route added with {@link route}, so routers work wherever they are mounted. */
  constructor(private readonly authenticate?: RequestHandler) {}

  /** Documents a route that some other router serves (staff routes, other teams' routers). */
  describe(doc: RouteDoc): void {
    this.docs.push(doc);
  }

  list(): readonly RouteDoc[] {
    return this.docs;
  }

  /** True when `method path` (relative to /api) is a documented public route. */
  isPublic(method: string, path: string): boolean {
    return this.docs.some((d) => d.access === 'public' && d.method === method.toLowerCase() && matches(d.path, path));
  }

  /**
   * Adds `handler` to `router` behind the role check and zod validation of params, query and body,
   * and documents it. The handler's return value is sent as JSON with the documented status
   * (`undefined` with status 204 sends no body; `res.locals.status` overrides the status).
   */
  route<D extends RouteDoc>(router: Router, doc: D, handler: (input: RouteInput<Infer<D['params']>, Infer<D['query']>, Infer<D['body']>>) => Promise<unknown>): void {
    this.describe(doc);
    const guard: RequestHandler[] = [];
    if (doc.access !== 'public' && this.authenticate) guard.push(this.authenticate);
    if (Array.isArray(doc.access)) guard.push(requireRole(...(doc.access as StaffRole[])));
    router[doc.method](doc.path, ...guard, async (req: Request, res: Response) => {
      const staff = req.staff;
      if (!staff && doc.access !== 'public') throw new AppError('unauthorized', 'not signed in');
      const input = {
        req, res, staff: staff!,
        params: (doc.params ? parseBody(doc.params, req.params, 'path') : undefined) as Infer<D['params']>,
        query: (doc.query ? parseBody(doc.query, req.query ?? {}, 'query') : undefined) as Infer<D['query']>,
        body: (doc.body ? parseBody(doc.body, doc.bodyFrom ? doc.bodyFrom(req) : (req.body ?? {}), 'body') : undefined) as Infer<D['body']>,
      };
      const result = await handler(input);
      if (res.headersSent) return;
      // A handler may pick another status (e.g. 200 for a repeated idempotent request) via res.locals.status.
      const status = (res.locals.status as number | undefined) ?? doc.response.status ?? 200;
      if (result === undefined && status === 204) res.status(204).end();
      else res.status(status).json(result);
    });
  }
}

function matches(pattern: string, path: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}/?$`);
  return re.test(path);
}
