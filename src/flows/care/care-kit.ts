import type { Button, OutboundMessage } from '../../core/message.js';
import type { FlowContext } from '../flow-context.js';
import { endFlow, enterStep } from '../flow.js';
import { extractEntities } from '../nlu/entities.js';

/**
 * Small helpers shared by the care flows: reading an answer (typed, tapped or a list index on
 * text-only channels), cancel/back navigation, yes/no, order and ticket numbers, dates.
 */

const TRAILING = /[\s.!?。！？~]+$/u;
const CANCEL = /^(cancel|cancel it|never ?mind|forget it|abort|exit|取消|算了|不用了|退出|不弄了)$/iu;
const BACK = /^(back|go back|previous|previous step|返回|上一步|后退|回去)$/iu;
const YES = /^(y|yes|yeah|yep|yup|sure|ok|okay|i agree|agree|i accept|accept|yes please|please do|是|是的|好|好的|同意|我同意|可以|接受|行|嗯|要|需要)$/iu;
const NO = /^(n|no|nope|no thanks|no thank you|not now|decline|don't|dont|否|不|不要|不同意|不用|不了|拒绝|不需要|暂不|先不用)$/iu;

/** What the customer sent: the trimmed text, or the button payload when they tapped one. */
export function answerOf(ctx: FlowContext): string {
  return (ctx.message.text ?? '').trim().replace(TRAILING, '') || (ctx.message.payload ?? '');
}

/** One option of a choice step: its payload, label and words that also select it. */
export interface Choice<T extends string> {
  value: T;
  label: string;
  words?: RegExp;
}

/** Picks the option the customer meant: by payload, list number (text channels), label or words. */
export function choose<T extends string>(ctx: FlowContext, prefix: string, options: Choice<T>[]): T | undefined {
  const payload = ctx.message.payload;
  if (payload?.startsWith(`${prefix}:`)) return options.find((o) => `${prefix}:${o.value}` === payload)?.value;
  const text = answerOf(ctx).toLowerCase();
  const index = /^\d{1,2}$/.test(text) ? Number(text) - 1 : -1;
  if (index >= 0 && index < options.length) return options[index].value;
  return options.find((o) => o.label.toLowerCase() === text || o.words?.test(text))?.value;
}

/** A question with quick replies (`<prefix>:<value>`), plus Back/Cancel when `nav` is set. */
export function ask<T extends string>(ctx: FlowContext, text: string, prefix: string, options: Choice<T>[], nav = true): void {
  const quickReplies: Button[] = options.map((o) => ({ label: o.label, payload: `${prefix}:${o.value}` }));
  if (nav) {
    if (trail(ctx).length > 0) quickReplies.push({ label: ctx.t('care.nav.back'), payload: 'care:back' });
    quickReplies.push({ label: ctx.t('care.nav.cancel'), payload: 'care:cancel' });
  }
  const message: OutboundMessage = quickReplies.length ? { text, quickReplies } : { text };
  ctx.reply(message);
}

/** Yes or no (typed in either language, tapped, or 1/2 on text-only channels). */
export function yesNo(ctx: FlowContext): 'yes' | 'no' | undefined {
  const payload = ctx.message.payload;
  if (payload === 'care:yes' || payload === 'care:no') return payload === 'care:yes' ? 'yes' : 'no';
  const text = answerOf(ctx);
  if (YES.test(text) || text === '1') return 'yes';
  if (NO.test(text) || text === '2') return 'no';
  return undefined;
}

/** The yes/no quick replies (yes first, so "1" means yes on text channels). */
export function yesNoChoices(ctx: FlowContext, yesKey = 'care.yes', noKey = 'care.no'): Choice<'yes' | 'no'>[] {
  return [{ value: 'yes', label: ctx.t(yesKey) }, { value: 'no', label: ctx.t(noKey) }];
}

function trail(ctx: FlowContext): string[] {
  return Array.isArray(ctx.session.data?.trail) ? (ctx.session.data!.trail as string[]) : [];
}

/** Moves to `step`, remembering the current one so "back" can return to it. */
export function goTo(ctx: FlowContext, flow: string, step: string, data: Record<string, unknown> = {}): void {
  const steps = ctx.session.flow === flow ? [...trail(ctx)] : [];
  if (ctx.session.flow === flow && ctx.session.step && ctx.session.step !== step) steps.push(ctx.session.step);
  if (ctx.session.flow !== flow) endFlow(ctx);
  enterStep(ctx, flow, step, { ...data, trail: steps });
}

/** A multi-turn flow's way to ask the question of a step again (after "back"). */
export type AskStep = (ctx: FlowContext, step: string) => Promise<void> | void;

/** Handles "cancel"/"取消" (ends the flow) and "back"/"返回" (previous step); true when it did. */
export async function navigate(ctx: FlowContext, askStep: AskStep): Promise<boolean> {
  const text = answerOf(ctx);
  const payload = ctx.message.payload;
  if (payload === 'care:cancel' || CANCEL.test(text)) {
    endFlow(ctx);
    ctx.reply(ctx.t('care.cancelled'));
    return true;
  }
  if (payload !== 'care:back' && !BACK.test(text)) return false;
  const steps = [...trail(ctx)];
  const previous = steps.pop();
  if (!previous) {
    ctx.reply(ctx.t('care.back_at_start'));
    await askStep(ctx, ctx.session.step ?? '');
    return true;
  }
  enterStep(ctx, ctx.session.flow!, previous, { trail: steps });
  await askStep(ctx, previous);
  return true;
}

/**
 * True when a choice step should let the router take the message: the classifier is sure the
 * customer asked for something else (a free-text step never declines).
 */
export function changedSubject(ctx: FlowContext, own: readonly string[]): boolean {
  const u = ctx.understanding;
  return u?.source === 'nlu' && u.intent !== 'oos' && !own.includes(u.intent) && u.confidence >= 0.9;
}

// Requests that end a free-text answer: the customer clearly wants something else.
const FREE_TEXT_EXITS = ['contact_human_agent', 'points_balance', 'redeem_points', 'join_membership', 'tier_info', 'help'];

/** True when a free-text step (any text is an answer) should still let the router take the message. */
export function leavesFreeText(ctx: FlowContext): boolean {
  const u = ctx.understanding;
  return u?.source === 'nlu' && FREE_TEXT_EXITS.includes(u.intent) && u.confidence >= 0.95;
}

/** Starts `flow` with no question asked yet (so "back" never returns to a step that was skipped). */
export function begin(ctx: FlowContext, flow: string, data: Record<string, unknown> = {}): void {
  endFlow(ctx);
  enterStep(ctx, flow, '', { ...data, trail: [] });
}

/** Order numbers the text may mention (the shop's ids look like A1023, #5531 or PO-10001). */
export function orderNumbersIn(text: string): string[] {
  const found = new Set(extractEntities(text).orderNumbers);
  for (const m of text.matchAll(/\b([A-Z]{1,4}-\d{3,})\b/gi)) found.add(m[1].toUpperCase());
  return [...found].filter((n) => !/^T-?\d+$/i.test(n));
}

/** Ticket numbers in the text, normalised to the stored form (T-000123). */
export function ticketNumbersIn(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/(?:^|[^A-Za-z0-9])T-?(\d{1,12})(?![\d])/gi)) found.add(`T-${m[1].padStart(6, '0')}`);
  return [...found];
}

/** A date and time in the customer's language. */
export function formatTime(ctx: FlowContext, at: Date): string {
  return new Intl.DateTimeFormat(ctx.locale === 'zh-CN' ? 'zh-CN' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

/** A date in the customer's language. */
export function formatDate(ctx: FlowContext, at: Date): string {
  return new Intl.DateTimeFormat(ctx.locale === 'zh-CN' ? 'zh-CN' : 'en-GB', { dateStyle: 'medium' }).format(at);
}

/** The text of a `{en, zh-CN}` pair in the customer's language. */
export function localized(ctx: FlowContext, text: { en: string; 'zh-CN': string }): string {
  return ctx.locale === 'zh-CN' ? text['zh-CN'] : text.en;
}

/** A number with the customer's grouping (1,234). */
export function num(ctx: FlowContext, n: number): string {
  return new Intl.NumberFormat(ctx.locale === 'zh-CN' ? 'zh-CN' : 'en-GB', { maximumFractionDigits: 2 }).format(n);
}
