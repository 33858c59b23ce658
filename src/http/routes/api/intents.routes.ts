import { Router } from 'express';
import { z } from 'zod';
import { LOCALES, type Locale } from '../../../core/message.js';
import type { IntentAdminService } from '../../../crm/reports/intent-admin.service.js';
import type { StaffService } from '../../../crm/staff/staff.service.js';
import type { ApiRegistry } from '../../openapi/registry.js';

const ADMIN = ['admin'] as const;
const TAG = 'intents';
const locale = z.enum(LOCALES as [Locale, ...Locale[]], { message: `must be one of ${LOCALES.join(', ')}` });
const nameParams = z.object({ name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be an intent name like track_order') });
const phrasesBody = z.strictObject({
  locale,
  phrases: z.array(z.string().trim().min(2, 'must be at least 2 characters').max(500)).min(1).max(200),
});
const classifyBody = z.strictObject({ text: z.string().trim().min(1).max(4_000) });

/** Intents and training phrases; retraining hot-swaps the model the pipeline uses. */
export function intentsRoutes(reg: ApiRegistry, deps: { intents: IntentAdminService; staff: Pick<StaffService, 'audit'> }): Router {
  const { intents, staff } = deps;
  const router = Router();

  reg.route(router, { method: 'get', path: '/intents', tag: TAG, access: ADMIN, summary: 'Intents with phrase counts per locale', response: { description: '`{items: [{name, phrases: {locale: n}, total, added}]}`' } }, async () => ({
    items: await intents.list(),
  }));

  reg.route(router, { method: 'post', path: '/intents/retrain', tag: TAG, access: ADMIN, summary: 'Retrain the intent model with added phrases and swap it in', response: { description: '`{intents, examples, added, trainedInMs, swapped}`' } }, async ({ staff: who }) => {
    // Audited before the swap: a model nobody can account for is never put in.
    return intents.retrain((result) => staff.audit(who, 'nlu.retrain', { type: 'nlu', id: 'built-in' }, result));
  });

  reg.route(router, { method: 'post', path: '/intents/classify', tag: TAG, access: ADMIN, body: classifyBody, summary: 'How the current model reads a text', response: { description: '`{intent, confidence}`' } }, async ({ body }) =>
    intents.classify(body.text),
  );

  reg.route(router, { method: 'get', path: '/intents/:name', tag: TAG, access: ADMIN, params: nameParams, query: z.object({ locale: locale.optional() }), summary: 'An intent\'s training phrases', response: { description: '`{name, phrases: [{text, locale, source}]}`' } }, async ({ params, query }) =>
    intents.get(params.name, query.locale),
  );

  reg.route(
    router,
    {
      method: 'post', path: '/intents/:name/phrases', tag: TAG, access: ADMIN, params: nameParams, body: phrasesBody,
      summary: 'Add training phrases (used from the next retrain)', response: { status: 201, description: '`{added, skipped}`' },
    },
    async ({ params, body, staff: who }) => {
      // Audited in the insert's transaction.
      return intents.addPhrases(params.name, body.locale, body.phrases, who.id, (trx, added) =>
        staff.audit(who, 'nlu.phrases_add', { type: 'intent', id: params.name }, { locale: body.locale, added: added.length }, trx));
    },
  );
  return router;
}
