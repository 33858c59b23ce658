import { AppError } from '../../core/errors.js';
import type { FlowContext } from '../flow-context.js';
import { endFlow, type Flow } from '../flow.js';
import { fallbackFlow } from '../fallback.flow.js';
import { rememberLink } from './customer-ref.js';
import { answerSkuChoice } from './product-answer.js';
import { ask, resumeSteps, stepData, type StepFlow } from './steps.js';

const NAME = 'account-link';
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
const CODE = /^\D*(\d{6})\D*$/;

interface LinkData {
  /** The intent the customer asked for before linking (offered again afterwards). */
  after?: string;
  [key: string]: unknown;
}

/**
 * Explains why orders need a linked account and how: the shop's signed link (logged-in shop
 * pages open the chat with it) or a one-time code sent to the account's e-mail address. Waits
 * for the e-mail address.
 */
export function startLinking(ctx: FlowContext, after?: string): void {
  endFlow(ctx);
  ctx.reply(ctx.t('co.link.why'));
  ask(ctx, NAME, 'email', ctx.t('co.link.ask_email'), { after });
}

const steps: StepFlow = {
  name: NAME,
  async prompt(ctx, step) {
    const data = stepData<LinkData>(ctx);
    if (step === 'code') ask(ctx, NAME, 'code', ctx.t('co.link.ask_code'), data);
    else ask(ctx, NAME, 'email', ctx.t('co.link.ask_email'), data);
  },
  async answer(ctx, step) {
    // A new address typed at the code step asks for a fresh code.
    if (step === 'code' && !EMAIL.test(ctx.message.text ?? '')) return confirmCode(ctx);
    return requestCode(ctx);
  },
};

async function requestCode(ctx: FlowContext): Promise<boolean> {
  const email = EMAIL.exec(ctx.message.text ?? '')?.[0];
  if (!email) return false;
  const identity = { channel: ctx.message.channel, externalId: ctx.message.sender.id };
  const result = await ctx.services.customers.requestLinkCode(identity, { channel: 'email', externalId: email });
  if (result.status === 'already_linked') {
    rememberLink(ctx, result.customerId);
    endFlow(ctx);
    ctx.reply(ctx.t('co.link.already'));
    return true;
  }
  // sent, unknown address and throttled all read the same: nobody can probe which addresses are customers.
  ask(ctx, NAME, 'code', ctx.t('co.link.code_sent', { email }), stepData<LinkData>(ctx));
  return true;
}

async function confirmCode(ctx: FlowContext): Promise<boolean> {
  const code = CODE.exec((ctx.message.text ?? '').trim())?.[1];
  if (!code) return false;
  const identity = { channel: ctx.message.channel, externalId: ctx.message.sender.id };
  const outcome = await ctx.services.customers.confirmLinkCode(identity, code);
  const data = stepData<LinkData>(ctx);
  if (outcome.status === 'linked') {
    linked(ctx, outcome.customerId, data.after);
    return true;
  }
  // Wrong, expired, used up or never sent all read the same: "never sent" (an unknown address)
  // must not be told apart from a wrong code, or the answer would reveal who is a customer.
  ask(ctx, NAME, 'code', ctx.t('co.link.code_failed'), data);
  return true;
}

function linked(ctx: FlowContext, customerId: string, after?: string): void {
  rememberLink(ctx, customerId);
  endFlow(ctx);
  const again = after ? [{ label: ctx.t('co.link.continue'), payload: `intent:${after}` }] : [];
  ctx.reply({ text: ctx.t('co.link.done'), ...(again.length ? { quickReplies: again } : {}) });
}

/** `link:<customerShopId>.<expiry>.<signature>`, the shop id may itself contain dots. */
function parseLinkPayload(payload: string): { shopCustomerId: string; expiry: number; signature: string } | undefined {
  const parts = payload.slice('link:'.length).split('.');
  if (parts.length < 3) return undefined;
  const signature = parts.pop()!;
  const expiry = Number(parts.pop());
  const shopCustomerId = parts.join('.');
  if (!shopCustomerId || !Number.isInteger(expiry) || !/^[0-9a-f]{64}$/i.test(signature)) return undefined;
  return { shopCustomerId, expiry, signature };
}

async function linkBySignedPayload(ctx: FlowContext, payload: string): Promise<void> {
  const parsed = parseLinkPayload(payload);
  if (!parsed) {
    ctx.reply(ctx.t('co.link.bad_link'));
    return;
  }
  const claim = { shopCustomerId: parsed.shopCustomerId, channel: ctx.message.channel, externalId: ctx.message.sender.id, expiry: parsed.expiry };
  try {
    const outcome = await ctx.services.customers.linkBySignedLink(claim, parsed.signature);
    if (outcome.status === 'linked') linked(ctx, outcome.customerId);
    else ctx.reply(ctx.t(outcome.status === 'expired' ? 'co.link.link_expired' : 'co.link.bad_link'));
  } catch (err) {
    // Without SHOP_WEBHOOK_SECRET the shop cannot sign links; the e-mail code still works.
    if (!(err instanceof AppError) || err.code !== 'unavailable') throw err;
    startLinking(ctx);
  }
}

/**
 * Links a chat identity to a shop customer, and takes this area's button payloads that arrive
 * with no flow active: `link:…` (the shop's signed link) and `sku:…` (a product button pressed
 * later). Any other lone payload gets the fallback.
 */
export const accountLinkFlow: Flow = {
  name: NAME,
  intents: ['payload', 'link_account'],
  async start(ctx) {
    const payload = ctx.message.payload ?? '';
    if (payload.startsWith('link:')) return linkBySignedPayload(ctx, payload);
    if (payload.startsWith('sku:')) {
      if (!(await answerSkuChoice(ctx, payload.slice(4)))) ctx.reply(ctx.t('co.product.gone'));
      return;
    }
    if (ctx.understanding?.intent === 'link_account') return startLinking(ctx);
    ctx.flowName = fallbackFlow.name;
    await fallbackFlow.start(ctx);
  },
  async resume(ctx) {
    // A signed link always wins, whatever step the conversation is in.
    if (ctx.message.payload?.startsWith('link:')) {
      endFlow(ctx);
      await linkBySignedPayload(ctx, ctx.message.payload);
      return true;
    }
    return resumeSteps(ctx, steps);
  },
};
