import type { Flow } from '../flow.js';
import { deleteAccountFlow } from './delete-account.flow.js';
import { faqFlow } from './faq.flow.js';
import { newsletterFlow } from './newsletter.flow.js';
import { subscriptionFlow } from './subscription.flow.js';

export { faqBook, FaqBook, type FaqAnswer } from './faq.config.js';
export { faqMessage } from './service-replies.js';

/** Flows of this area, registered with the router by src/main.ts. */
export const serviceFlows: Flow[] = [faqFlow, deleteAccountFlow, subscriptionFlow, newsletterFlow];
