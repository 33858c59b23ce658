import { AppError } from '../../core/errors.js';
import type { Ticket } from '../../crm/tickets/index.js';
import type { FlowContext } from '../flow-context.js';
import type { Flow } from '../flow.js';
import { endFlow, enterStep } from '../flow.js';

const FLOW = 'care.survey';
const BARE_SCORE = /^\s*([1-5])\s*(?:\/\s*5)?\s*(?:stars?|分|星|颗星)?\s*[.!。！]?\s*$/iu;
const STARS = /^[\s⭐★🌟]+$/u;
const SCORE_IN_SENTENCE = /\b([1-5])\s*(?:\/\s*5|out of (?:5|five)|stars?)|\b(?:rate|give|rating)\b[^0-9]{0,20}\b([1-5])\b|打\s*([1-5])\s*分|([1-5])\s*(?:分|星|颗星)/iu;

/** A bare survey answer: "4", "5/5", "3 stars", "5分", "⭐⭐⭐⭐" or a `care.score:N` button. */
export function bareScore(ctx: FlowContext): number | undefined {
  const payload = ctx.message.payload;
  if (payload?.startsWith('care.score:')) return Number(payload.slice('care.score:'.length)) || undefined;
  const text = (ctx.message.text ?? '').trim();
  const m = BARE_SCORE.exec(text);
  if (m) return Number(m[1]);
  if (STARS.test(text)) {
    const n = [...text].filter((c) => c !== ' ' && c !== '\uFE0F').length;
    return n >= 1 && n <= 5 ? n : undefined;
  }
  return undefined;
}

/** A score inside a sentence ("I'd rate it 5", "打5分"), for the review flow. */
export function scoreInSentence(text: string): number | undefined {
  const m = SCORE_IN_SENTENCE.exec(text);
  const digit = m?.slice(1).find(Boolean);
  return digit ? Number(digit) : undefined;
}

/** The customer's most recently resolved ticket that has not been rated yet. */
export async function pendingSurvey(ctx: FlowContext): Promise<Ticket | undefined> {
  const { items } = await ctx.services.tickets.list({ customerId: ctx.customer.id, status: ['resolved', 'closed'], limit: 20 });
  return items
    .filter((t) => !t.satisfaction)
    .sort((a, b) => (b.resolvedAt?.getTime() ?? 0) - (a.resolvedAt?.getTime() ?? 0))[0];
}

/** Records the rating once and thanks the customer; a low score offers a person. */
export async function recordScore(ctx: FlowContext, ticket: Ticket, score: number): Promise<void> {
  endFlow(ctx);
  ctx.flowName = FLOW;
  try {
    await ctx.services.tickets.recordSatisfaction(ticket.number, ctx.customer.id, score, ctx.message.text?.trim() || undefined);
  } catch (err) {
    if (err instanceof AppError && err.code === 'conflict') {
      ctx.reply(ctx.t('care.survey.already', { number: ticket.number }));
      return;
    }
    throw err;
  }
  if (score <= 2) {
    ctx.reply({
      text: ctx.t('care.survey.thanks_low', { number: ticket.number, score }),
      quickReplies: [{ label: ctx.t('menu.human'), payload: 'intent:contact_human_agent' }],
    });
    return;
  }
  ctx.reply(ctx.t(score === 3 ? 'care.survey.thanks_mid' : 'care.survey.thanks_high', { number: ticket.number, score }));
}

/**
 * Keeps a watch for the next message: a bare score then answers the ticket survey (which would
 * otherwise classify as small talk). Any other message is declined and routed as usual.
 */
export function armSurveyWatch(ctx: FlowContext): void {
  endFlow(ctx);
  enterStep(ctx, FLOW, 'watch');
}

/** Answers to "How did we do? Reply 1–5" after a ticket is resolved. */
export const surveyFlow: Flow = {
  name: FLOW,
  intents: [],
  async start(ctx) {
    const score = bareScore(ctx);
    const ticket = score ? await pendingSurvey(ctx) : undefined;
    if (score && ticket) await recordScore(ctx, ticket, score);
    else ctx.reply(ctx.t('care.survey.nothing_pending'));
  },
  async resume(ctx) {
    const score = bareScore(ctx);
    const ticket = score ? await pendingSurvey(ctx) : undefined;
    if (!score || !ticket) return false;
    await recordScore(ctx, ticket, score);
    return true;
  },
};
