import { Router } from 'express';
import { AppError } from '../../../core/errors.js';
import type { FaqFileStore, FaqWrite } from '../../../crm/reports/faq-file.store.js';
import type { StaffService } from '../../../crm/staff/staff.service.js';
import type { Db } from '../../../storage/database.js';
import { faqConfigSchema } from '../../../flows/service/faq.config.js';
import type { ApiRegistry } from '../../openapi/registry.js';

/**
 * The FAQ book (answers and the shop settings they quote): read at request time from
 * config/faq.json, replaced atomically after the same validation the FAQ flow runs at start-up.
 * The running FAQ flow keeps the book it loaded; a change is answered from the next start.
 */
export function faqRoutes(reg: ApiRegistry, deps: { db: Db; store: FaqFileStore; staff: Pick<StaffService, 'audit'> }): Router {
  const { db, store, staff } = deps;
  const router = Router();

  reg.route(router, { method: 'get', path: '/faq', tag: 'faq', access: ['admin'], summary: 'The FAQ book (config/faq.json)', response: { description: '`{exists, etag, faq, problem?}`; the ETag header is set' } }, async ({ res }) => {
    const state = await store.read();
    if (state.etag) res.setHeader('etag', `"${state.etag}"`);
    return state;
  });

  reg.route(
    router,
    {
      method: 'put', path: '/faq', tag: 'faq', access: ['admin'], body: faqConfigSchema, summary: 'Replace the FAQ book',
      description: 'Validated like at start-up (every `{placeholder}` needs a setting). Send `If-Match` with the ETag from GET to refuse overwriting someone else\'s change (409). Takes effect at the next start.',
      headers: [{ name: 'If-Match', description: 'ETag from GET /api/faq' }],
      response: { description: '`{etag, entries, restartRequired}`' },
    },
    async ({ body, req, res, staff: who }) => {
      const ifMatch = req.get('if-match');
      if (ifMatch !== undefined && !/^(W\/)?"?[0-9a-f]{1,64}"?$/.test(ifMatch)) throw new AppError('validation_failed', 'If-Match: must be an ETag from GET /api/faq');
      // Keep the body as sent (defaults left implicit), it is what the file holds.
      // The audit row is written first and committed only once the file is replaced: a write that
      // fails (a stale If-Match, a full disk) leaves no audit row, an audit that fails leaves the file,
      // and a commit that fails after the file was replaced puts the old file back.
      let written: FaqWrite | undefined;
      try {
        await db.transaction().execute(async (trx) => {
          await staff.audit(who, 'faq.replace', { type: 'config', id: 'faq.json' }, { entries: Object.keys(body.entries).length }, trx);
          written = await store.write(req.body, ifMatch);
        });
      } catch (err) {
        await written?.undo().catch((undoErr: Error) => {
          throw new AppError('unavailable', `faq.json was replaced but its audit row did not commit (${(err as Error).message}), and putting the old file back failed: ${undoErr.message}`);
        });
        throw err;
      }
      const { etag } = written!;
      res.setHeader('etag', `"${etag}"`);
      return { etag, entries: Object.keys(body.entries).length, restartRequired: true };
    },
  );
  return router;
}
