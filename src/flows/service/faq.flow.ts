import { AppError } from '../../core/errors.js';
import type { Flow } from '../flow.js';
import { faqBook } from './faq.config.js';
import { faqMessage } from './service-replies.js';

/**
 * Intents answered straight from config/faq.json. `delivery_period` and `check_cancellation_fee`
 * have FAQ entries too but are not claimed here: the order flow answers them for a specific order
 * and falls back to {@link faqMessage} for the general policy. `delete_account` has its own flow.
 */
export const FAQ_INTENTS = [
  'check_payment_methods',
  'delivery_options',
  'check_refund_policy',
  'contact_customer_service',
  'create_account',
  'edit_account',
  'recover_password',
  'registration_problems',
  'switch_account',
  'set_up_shipping_address',
] as const;

// Read and validated when the flows are loaded, so a broken faq.json stops start-up, not a chat.
const book = faqBook();
for (const intent of FAQ_INTENTS) {
  if (!book.has(intent)) throw new AppError('config_invalid', `config file faq.json: entries has no answer for ${intent}`);
}

/** Answers general questions (payment, delivery, refunds, contact, account help) from config. */
export const faqFlow: Flow = {
  name: 'service.faq',
  intents: FAQ_INTENTS,
  async start(ctx) {
    const intent = ctx.understanding!.intent;
    ctx.reply(faqMessage(ctx, intent)!);
  },
};
