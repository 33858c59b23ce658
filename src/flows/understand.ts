import { toLocale, type InboundMessage, type Locale } from '../core/message.js';
import type { Metrics } from '../core/metrics.js';
import type { Middleware } from './composer.js';
import type { FlowContext } from './flow-context.js';

/** What the pipeline needs from an intent classifier (the NLU engine implements it). */
export interface IntentClassifier {
  classify(text: string): { intent: string; confidence: number };
}

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/u;
const LATIN_WORD = /[A-Za-z]{2,}/;

/**
 * The locale for this turn: what the client said explicitly, else what the text is written in,
 * else what the conversation or customer used before, else the default.
 */
export function chooseLocale(message: InboundMessage, previous: string | null, fallback: Locale): Locale {
  if (message.locale) return message.locale;
  const text = message.text ?? '';
  if (CJK.test(text)) return 'zh-CN';
  if (LATIN_WORD.test(text)) return 'en';
  return toLocale(previous) ?? fallback;
}

/**
 * Understanding: a button payload `intent:<name>` is taken as said; otherwise the classifier
 * decides, and anything below its threshold is `oos`, which routes to the fallback.
 */
export function understand(classifier: IntentClassifier, metrics?: Metrics): Middleware<FlowContext> {
  return async (ctx, next) => {
    const payload = ctx.message.payload;
    if (payload?.startsWith('intent:')) {
      ctx.understanding = { intent: payload.slice('intent:'.length), confidence: 1, source: 'payload' };
    } else if (payload && !ctx.message.text) {
      // Flow-specific button payloads (choices) go to the active flow's resume step as-is.
      ctx.understanding = { intent: 'payload', confidence: 1, source: 'payload' };
    } else {
      const text = (ctx.message.text ?? '').trim();
      const result = text ? classifier.classify(text) : { intent: 'oos', confidence: 0 };
      ctx.understanding = { intent: result.intent, confidence: result.confidence, source: 'nlu' };
      metrics?.nluConfidence.observe(result.confidence);
    }
    metrics?.intents.inc({ intent: ctx.understanding.intent === 'oos' ? 'fallback' : ctx.understanding.intent });
    await next();
  };
}
