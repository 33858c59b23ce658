import { z } from 'zod';
import { readConfigFile } from '../../core/config.js';
import { AppError } from '../../core/errors.js';
import { LOCALES, type Locale } from '../../core/message.js';
import type { Db } from '../../storage/database.js';

/** Placeholders a canned response may use; anything else is a config error, not a silent "{x}". */
export const CANNED_VARIABLES = ['name', 'order', 'tier', 'points', 'agent'] as const;
type CannedVar = (typeof CANNED_VARIABLES)[number];

const text = z
  .string()
  .min(1)
  .max(2000)
  .refine((s) => [...s.matchAll(/\{(\w+)\}/g)].every((m) => (CANNED_VARIABLES as readonly string[]).includes(m[1])), {
    message: `uses an unknown {variable}; known: ${CANNED_VARIABLES.join(', ')}`,
  });
const localized = z.object({ en: text, 'zh-CN': text });

export const cannedResponsesSchema = z
  .object({
    responses: z.array(
      z.object({
        id: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'must be a lower-case id such as order_delay'),
        title: z.object({ en: z.string().min(1).max(100), 'zh-CN': z.string().min(1).max(100) }),
        text: localized,
        tags: z.array(z.string()).default([]),
      }),
    ),
  })
  .refine((c) => new Set(c.responses.map((r) => r.id)).size === c.responses.length, { message: 'response ids must be unique', path: ['responses'] });

export type CannedResponsesConfig = z.infer<typeof cannedResponsesSchema>;

export interface RenderedCanned {
  id: string;
  title: string;
  text: string;
  tags: string[];
}

/**
 * Canned responses for agents (config/canned-responses.json), rendered in a locale and, for a
 * conversation, with its customer's name, latest order, tier and points filled in.
 */
export class CannedResponses {
  constructor(private readonly config: CannedResponsesConfig, private readonly db: Db) {}

  static fromConfig(configDir: string, db: Db): CannedResponses {
    return new CannedResponses(readConfigFile(configDir, 'canned-responses.json', cannedResponsesSchema), db);
  }

  /** All responses in `locale`; with a customer, the variables are filled (unknown values stay blank-safe). */
  async render(locale: Locale, context: { customerId?: string; agentName?: string } = {}): Promise<RenderedCanned[]> {
    if (!LOCALES.includes(locale)) throw new AppError('bad_request', `locale must be one of ${LOCALES.join(', ')}`);
    const vars = context.customerId ? await this.varsFor(context.customerId, locale) : {};
    if (context.agentName) vars.agent = context.agentName;
    return this.config.responses.map((r) => ({ id: r.id, title: r.title[locale], text: fill(r.text[locale], vars, locale), tags: r.tags }));
  }

  private async varsFor(customerId: string, locale: Locale): Promise<Partial<Record<CannedVar, string>>> {
    const [customer, order, member, points] = await Promise.all([
      this.db.selectFrom('customers').select(['name']).where('id', '=', customerId).executeTakeFirst(),
      this.db.selectFrom('orders').select(['id']).where('customer_id', '=', customerId).orderBy('created_at', 'desc').limit(1).executeTakeFirst(),
      this.db.selectFrom('loyalty_members').select(['tier']).where('customer_id', '=', customerId).executeTakeFirst(),
      this.db.selectFrom('points_ledger').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('delta'), eb.lit(0)).as('n')).where('customer_id', '=', customerId).executeTakeFirst(),
    ]);
    const out: Partial<Record<CannedVar, string>> = {};
    if (customer?.name) out.name = customer.name;
    if (order) out.order = order.id;
    if (member) out.tier = member.tier;
    if (member) out.points = String(Number(points?.n ?? 0));
    void locale;
    return out;
  }
}

// A missing value reads naturally rather than leaving "{name}" for the agent to fix by hand.
const FALLBACK: Record<Locale, Record<CannedVar, string>> = {
  en: { name: 'there', order: 'your order', tier: 'member', points: '0', agent: 'our team' },
  'zh-CN': { name: '亲', order: '您的订单', tier: '会员', points: '0', agent: '客服' },
};

function fill(template: string, vars: Partial<Record<CannedVar, string>>, locale: Locale): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: CannedVar) => vars[name] ?? FALLBACK[locale][name] ?? '');
}
