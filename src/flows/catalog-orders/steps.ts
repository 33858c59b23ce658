import type { OutboundMessage } from '../../core/message.js';
import type { FlowContext } from '../flow-context.js';
import { endFlow, enterStep } from '../flow.js';
import { helpMenu } from '../help.flow.js';

// Whole-message commands inside a multi-turn flow ("cancel" inside a sentence is left to the step).
const CANCEL_WORDS = new Set(['cancel', 'never mind', 'nevermind', 'forget it', 'abort', 'exit', 'no thanks', '取消', '算了', '不用了', '退出', '不要了']);
const BACK_WORDS = new Set(['back', 'go back', 'previous', 'previous step', '返回', '上一步', '后退', '回去']);
/** A classifier verdict this sure about another intent means the customer changed the subject. */
const SUBJECT_CHANGE_CONFIDENCE = 0.8;

/** The words "cancel"/"取消" and "back"/"返回" (or their buttons), after trimming and case folding. */
export function controlWord(ctx: FlowContext): 'cancel' | 'back' | undefined {
  if (ctx.message.payload === 'co:cancel') return 'cancel';
  if (ctx.message.payload === 'co:back') return 'back';
  const t = (ctx.message.text ?? '').trim().toLowerCase().replace(/[.!?。！？\s]+$/u, '');
  if (CANCEL_WORDS.has(t)) return 'cancel';
  if (BACK_WORDS.has(t)) return 'back';
  return undefined;
}

/** Session data of the active flow, typed loosely (each flow reads its own keys). */
export function stepData<T extends Record<string, unknown>>(ctx: FlowContext): Partial<T> {
  return (ctx.session.data ?? {}) as Partial<T>;
}

/**
 * Asks a question and waits in `step`. The step goes on the flow's history (for "back"); asking
 * the same step again keeps its miss count, so a second misunderstanding ends the flow.
 */
export function ask(ctx: FlowContext, flow: string, step: string, message: string | OutboundMessage, data: Record<string, unknown> = {}): void {
  const same = ctx.session.flow === flow && ctx.session.step === step;
  const prev = stepData<{ history: string[]; misses: number }>(ctx);
  const history = ctx.session.flow === flow ? [...(prev.history ?? [])] : [];
  if (history[history.length - 1] !== step) history.push(step);
  enterStep(ctx, flow, step, { ...data, history, misses: same ? (prev.misses ?? 0) : 0 });
  ctx.reply(withControls(ctx, typeof message === 'string' ? { text: message } : message));
}

// Every question offers the way out; a step after the first also offers "back".
function withControls(ctx: FlowContext, message: OutboundMessage): OutboundMessage {
  const history = stepData<{ history: string[] }>(ctx).history ?? [];
  const controls = [
    ...(history.length > 1 ? [{ label: ctx.t('co.button.back'), payload: 'co:back' }] : []),
    { label: ctx.t('co.button.cancel'), payload: 'co:cancel' },
  ];
  return { ...message, quickReplies: [...(message.quickReplies ?? []), ...controls] };
}

/** What a flow with steps provides to {@link resumeSteps}. */
export interface StepFlow {
  readonly name: string;
  /** Asks the question of `step` again (via {@link ask}). */
  prompt(ctx: FlowContext, step: string): Promise<void>;
  /** Handles the answer to `step`; false when it did not understand it. */
  answer(ctx: FlowContext, step: string): Promise<boolean>;
}

/**
 * One turn of a multi-turn flow: cancel abandons, back re-asks the previous step, an answer the
 * step understands moves on; otherwise a confident other intent is handed back to the router
 * (false), and a plain misunderstanding is asked once more, then the flow ends with the menu.
 */
export async function resumeSteps(ctx: FlowContext, flow: StepFlow): Promise<boolean> {
  const step = ctx.session.step ?? '';
  const control = controlWord(ctx);
  if (control === 'cancel') {
    endFlow(ctx);
    ctx.reply(ctx.t('co.cancelled'));
    return true;
  }
  if (control === 'back') {
    await goBack(ctx, flow);
    return true;
  }
  // A plain greeting or goodbye is never an answer to a step: let the router greet.
  if (isSmallTalk(ctx)) return false;
  if (await flow.answer(ctx, step)) return true;
  if (changedSubject(ctx)) return false;
  await missed(ctx, () => flow.prompt(ctx, step));
  return true;
}

async function goBack(ctx: FlowContext, flow: StepFlow): Promise<void> {
  const data = stepData<{ history: string[] }>(ctx);
  const history = [...(data.history ?? [])];
  if (history.length > 1) history.pop();
  const previous = history[history.length - 1] ?? ctx.session.step ?? '';
  ctx.session.data = { ...data, history, misses: 0 };
  ctx.session.step = previous;
  await flow.prompt(ctx, previous);
}

// Whole-message greetings only: the classifier's greeting score is not trusted for short words here.
const SMALL_TALK = /^(hi|hello|hey|hiya|good (morning|afternoon|evening)|bye|goodbye|你好|您好|嗨|哈喽|再见|拜拜)[\s!！.。~]*$/iu;

function isSmallTalk(ctx: FlowContext): boolean {
  return ctx.understanding?.source === 'nlu' && SMALL_TALK.test((ctx.message.text ?? '').trim());
}

function changedSubject(ctx: FlowContext): boolean {
  const u = ctx.understanding;
  if (!u || u.source !== 'nlu' || u.confidence < SUBJECT_CHANGE_CONFIDENCE) return false;
  return !['oos', 'fallback', 'payload', 'greeting', 'thanks'].includes(u.intent);
}

/** First miss: says so and re-asks. Second miss in the same step: leaves the flow with the menu. */
export async function missed(ctx: FlowContext, reprompt: () => Promise<void> | void): Promise<void> {
  const misses = stepData<{ misses: number }>(ctx).misses ?? 0;
  if (misses >= 1) {
    endFlow(ctx);
    ctx.reply({ ...helpMenu(ctx), text: ctx.t('co.gave_up') });
    return;
  }
  ctx.session.data = { ...(ctx.session.data ?? {}), misses: misses + 1 };
  ctx.reply(ctx.t('co.not_understood'));
  await reprompt();
}

/** A "talk to a person" button (starts the hand-off flow). */
export function humanButton(ctx: FlowContext): { label: string; payload: string } {
  return { label: ctx.t('co.button.human'), payload: 'intent:contact_human_agent' };
}

const YES = /^(y|yes|yeah|yep|sure|ok|okay|correct|right|confirm|please do|do it|是|是的|对|对的|好|好的|确认|可以|嗯|没错)$/iu;
const NO = /^(n|no|nope|not that one|wrong|否|不|不是|不对|错了|不用)$/iu;

/** "yes"/"是的" → true, "no"/"不是" → false, anything else undefined (also `co:yes`/`co:no` buttons). */
export function yesNo(ctx: FlowContext): boolean | undefined {
  if (ctx.message.payload === 'co:yes') return true;
  if (ctx.message.payload === 'co:no') return false;
  const t = (ctx.message.text ?? '').trim().replace(/[.!?。！？,，\s]+$/u, '');
  if (YES.test(t)) return true;
  if (NO.test(t)) return false;
  return undefined;
}

/** Yes / No quick replies. */
export function yesNoButtons(ctx: FlowContext): { label: string; payload: string }[] {
  return [
    { label: ctx.t('co.button.yes'), payload: 'co:yes' },
    { label: ctx.t('co.button.no'), payload: 'co:no' },
  ];
}
