import type { Button, OutboundMessage } from '../../core/message.js';
import type { FlowContext } from '../flow-context.js';
import { faqBook } from './faq.config.js';

/** Payload prefix of this area's own buttons (answers to its questions, not intents). */
export const SERVICE_PAYLOAD = 'service:';

// Whole-message answers only: "yes, but …" or "no idea what you mean" is left to the classifier.
const YES = /^(y|yes|yeah|yep|yup|sure|ok|okay|please|yes please|please do|do it|go ahead|confirm|confirmed|i confirm|of course|absolutely|是|是的|好|好的|好啊|行|可以|确定|确认|对|对的|嗯|要|需要|同意)$/iu;
const NO = /^(n|no|nope|nah|no thanks|no thank you|not now|cancel|don't|do not|never mind|nevermind|keep it|不|不是|不要|不用|不用了|不需要|取消|算了|否|先不要|暂时不用)$/iu;

/** Reads a confirmation: a button payload `service:<topic>:yes|no`, or a typed yes / no. */
export function confirmation(ctx: FlowContext, topic: string): 'yes' | 'no' | undefined {
  const payload = ctx.message.payload;
  if (payload?.startsWith(`${SERVICE_PAYLOAD}${topic}:`)) {
    const answer = payload.slice(`${SERVICE_PAYLOAD}${topic}:`.length);
    return answer === 'yes' ? 'yes' : answer === 'no' ? 'no' : undefined;
  }
  const text = (ctx.message.text ?? '').trim().toLowerCase().replace(/[\s.!?,。！？，~]+$/u, '');
  if (YES.test(text)) return 'yes';
  if (NO.test(text)) return 'no';
  return undefined;
}

/** A question with yes / no quick replies (nothing is pre-selected: the customer must press or type). */
export function askYesNo(ctx: FlowContext, topic: string, text: string, labels: { yes?: string; no?: string } = {}): OutboundMessage {
  return {
    text,
    quickReplies: [
      { label: labels.yes ?? ctx.t('service.answer.yes'), payload: `${SERVICE_PAYLOAD}${topic}:yes` },
      { label: labels.no ?? ctx.t('service.answer.no'), payload: `${SERVICE_PAYLOAD}${topic}:no` },
    ],
  };
}

/** Quick replies that start the given intents, labelled with their FAQ title or a topic text. */
export function followUps(ctx: FlowContext, intents: readonly string[]): Button[] {
  const book = faqBook();
  return intents.map((intent) => ({
    label: book.title(intent, ctx.locale) ?? ctx.t(`service.topic.${intent}`),
    payload: `intent:${intent}`,
  }));
}

/** The FAQ answer for `intent` as a message (link button, follow-up quick replies), or undefined. */
export function faqMessage(ctx: FlowContext, intent: string): OutboundMessage | undefined {
  const answer = faqBook().answer(intent, ctx.locale);
  if (!answer) return undefined;
  const message: OutboundMessage = { text: answer.text };
  if (answer.link) message.buttons = [{ label: answer.link.label, url: answer.link.url }];
  if (answer.followUps.length) message.quickReplies = followUps(ctx, answer.followUps);
  return message;
}

/** Shop settings (name, hours, e-mail …) in the turn's locale, for reply placeholders. */
export function shopVars(ctx: FlowContext): Record<string, string> {
  return faqBook().settings(ctx.locale);
}
