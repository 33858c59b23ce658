import { productOrderFlows } from './catalog-orders/index.js';
import { careFlows } from './care/index.js';
import { fallbackFlow } from './fallback.flow.js';
import type { Flow } from './flow.js';
import { goodbyeFlow, greetingFlow, thanksFlow } from './greeting.flow.js';
import { handoffFlow } from './handoff.flow.js';
import { helpFlow } from './help.flow.js';
import { serviceFlows } from './service/index.js';

/** Every flow the bot has; the router maps each flow's intents to it. */
export function allFlows(): Flow[] {
  return [greetingFlow, goodbyeFlow, thanksFlow, helpFlow, handoffFlow, ...productOrderFlows, ...careFlows, ...serviceFlows, fallbackFlow];
}
