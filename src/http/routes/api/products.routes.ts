import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../../core/errors.js';
import { catalogRowSchema } from '../../../crm/catalog/catalog-row.js';
import type { CatalogService } from '../../../crm/catalog/catalog.service.js';
import type { StaffService } from '../../../crm/staff/staff.service.js';
import type { ApiRegistry } from '../../openapi/registry.js';
import { boolParam, limitParam, offsetParam, textParam } from '../../openapi/query.js';

const ADMIN = ['admin'] as const;
const TAG = 'products';
const listQuery = z.object({
  q: textParam(200).optional().describe('substring of sku, name or Chinese name'),
  category: textParam(120).optional(),
  brand: textParam(120).optional(),
  tag: textParam(60).optional(),
  active: boolParam.optional(),
  limit: limitParam(500, 50),
  offset: offsetParam,
});
const skuParams = z.object({ sku: z.string().trim().min(1).max(64) });

/** The catalog for admins: filtered list, one product, and upsert by SKU (the same validation as imports and the shop webhook). */
export function productsRoutes(reg: ApiRegistry, deps: { catalog: CatalogService; staff: Pick<StaffService, 'audit'> }): Router {
  const { catalog, staff } = deps;
  const router = Router();

  reg.route(router, { method: 'get', path: '/products', tag: TAG, access: ADMIN, query: listQuery, summary: 'List products (by name)', response: { description: '`{items, total, limit, offset}`' } }, async ({ query }) =>
    catalog.list(query),
  );

  reg.route(router, { method: 'get', path: '/products/:sku', tag: TAG, access: ADMIN, params: skuParams, summary: 'One product', response: { description: 'The product' } }, async ({ params }) =>
    catalog.require(params.sku),
  );

  reg.route(
    router,
    {
      method: 'put', path: '/products/:sku', tag: TAG, access: ADMIN, params: skuParams, body: catalogRowSchema,
      // The SKU comes from the path; a body may repeat it but not contradict it.
      bodyFrom: (req) => ({ ...(isObject(req.body) ? req.body : {}), sku: req.params.sku }),
      summary: 'Create or replace a product',
      description: 'Body: a catalog row `{name, description, category, brand, price, currency, stock, tags[], attributes{}}` (DESIGN §4).',
      response: { status: 200, description: 'The product; 201 when it was created' },
    },
    async ({ params, req, res, staff: who }) => {
      const sent = isObject(req.body) ? req.body : {};
      if (sent.sku !== undefined && sent.sku !== params.sku) throw new AppError('validation_failed', `sku: ${JSON.stringify(sent.sku)} does not match the path (${params.sku})`);
      // Audited in the upsert's transaction, which also decides whether the product was created.
      let created = false;
      const product = await catalog.upsert({ ...sent, sku: params.sku }, (trx, isNew) => {
        created = isNew;
        return staff.audit(who, isNew ? 'product.create' : 'product.update', { type: 'product', id: params.sku }, undefined, trx);
      });
      res.locals.status = created ? 201 : 200;
      return product;
    },
  );
  return router;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
