import { z } from 'zod';
import type { FlowContext } from '../flow-context.js';
import type { Flow } from '../flow.js';
import { endFlow, enterStep } from '../flow.js';
import { confirmation, SERVICE_PAYLOAD, shopVars } from './service-replies.js';

const NAME = 'service.newsletter';
const TOPIC = 'newsletter';
/** The consent channel of the e-mail newsletter. */
export const NEWSLETTER_CHANNEL = 'email';
const MAX_ATTEMPTS = 3;

// "newsletter_subscription" covers joining and leaving; these words mean leaving.
const LEAVE = /\b(unsubscribe|cancel|cancell?ing|stop|opt[- ]?out|leave|remove me|take me off|no longer|don'?t want|do not want|quit)\b|取消|退订|不再|不想|不要再|停止|退出/iu;
const EMAIL_LIKE = /[^\s@<>(),;:"'，。：；（）]+@[^\s@<>(),;:"'，。：；（）]+/u;
// "ada at example dot com" is an attempt at an address, not a new question.
const ADDRESS_ATTEMPT = /[@＠]|\b(at|dot)\b|邮箱|地址/iu;
const emailSchema = z.string().trim().toLowerCase().pipe(z.email());

/** Finds an e-mail address in free text, normalised, or undefined when there is no valid one. */
export function extractEmail(text: string): string | undefined {
  const candidate = EMAIL_LIKE.exec(text)?.[0]?.replace(/[.!?。！？]+$/u, '');
  if (!candidate) return undefined;
  const parsed = emailSchema.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The e-mail newsletter: asks for the address (or offers the one on file), records marketing
 * consent on the `email` channel with this message as evidence and keeps the address on the
 * profile. "Unsubscribe from the newsletter" withdraws that consent at once.
 */
export const newsletterFlow: Flow = {
  name: NAME,
  intents: ['newsletter_subscription'],
  async start(ctx) {
    if (LEAVE.test(ctx.message.text ?? '')) return leave(ctx);
    const profile = await ctx.services.customers.get(ctx.customer.id);
    const known = profile?.email ?? undefined;
    if (known && (await ctx.services.consent.mayMarket(ctx.customer.id, NEWSLETTER_CHANNEL))) {
      endFlow(ctx);
      ctx.reply(ctx.t('service.newsletter.already', { email: known }));
      return;
    }
    const typed = extractEmail(ctx.message.text ?? '');
    if (typed) return join(ctx, typed);
    enterStep(ctx, NAME, 'email', { known: known ?? null, attempts: 0 });
    ctx.reply(known ? askKnown(ctx, known) : ctx.t('service.newsletter.ask_email', shopVars(ctx)));
  },
  async resume(ctx) {
    const known = typeof ctx.session.data?.known === 'string' ? ctx.session.data.known : undefined;
    const answer = confirmation(ctx, TOPIC);
    if (answer === 'yes' && known) return join(ctx, known);
    if (answer === 'no') {
      endFlow(ctx);
      ctx.reply(ctx.t('service.newsletter.declined'));
      return;
    }
    const text = ctx.message.text ?? '';
    const email = extractEmail(text);
    if (email) return join(ctx, email);
    if (movedOn(ctx, text)) return false;
    return retry(ctx);
  },
};

// Nothing like an address, and the classifier is sure it is another question: the customer moved on.
function movedOn(ctx: FlowContext, text: string): boolean {
  const u = ctx.understanding;
  if (!u || u.source !== 'nlu' || u.intent === 'oos' || u.intent === 'newsletter_subscription') return false;
  return !ADDRESS_ATTEMPT.test(text) && u.confidence >= 0.7;
}

function askKnown(ctx: FlowContext, email: string) {
  return {
    text: ctx.t('service.newsletter.ask_known', { ...shopVars(ctx), email }),
    quickReplies: [
      { label: ctx.t('service.newsletter.use_known', { email }), payload: `${SERVICE_PAYLOAD}${TOPIC}:yes` },
      { label: ctx.t('service.answer.no'), payload: `${SERVICE_PAYLOAD}${TOPIC}:no` },
    ],
  };
}

function retry(ctx: FlowContext): void {
  const attempts = Number(ctx.session.data?.attempts ?? 0) + 1;
  if (attempts >= MAX_ATTEMPTS) {
    endFlow(ctx);
    ctx.reply(ctx.t('service.newsletter.gave_up'));
    return;
  }
  enterStep(ctx, NAME, 'email', { attempts });
  ctx.reply(ctx.t('service.newsletter.invalid_email'));
}

async function join(ctx: FlowContext, email: string): Promise<void> {
  endFlow(ctx);
  // The address first: consent on `email` only makes sense with an address to send to.
  await ctx.services.customers.updateProfile(ctx.customer.id, { email });
  await ctx.services.consent.grant(ctx.customer.id, NEWSLETTER_CHANNEL, 'marketing', 'keyword', ctx.idempotencyKey('newsletter'));
  ctx.reply(ctx.t('service.newsletter.done', { ...shopVars(ctx), email }));
}

async function leave(ctx: FlowContext): Promise<void> {
  endFlow(ctx);
  await ctx.services.consent.withdraw(ctx.customer.id, NEWSLETTER_CHANNEL, 'marketing', 'keyword', ctx.idempotencyKey('newsletter'));
  ctx.reply(ctx.t('service.newsletter.left'));
}
