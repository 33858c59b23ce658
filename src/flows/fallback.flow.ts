import type { Flow } from './flow.js';
import { requestHuman } from './handoff.flow.js';
import { helpMenu } from './help.flow.js';

/** After this many misunderstandings in a row, the bot offers a person instead of guessing. */
export const FALLBACKS_BEFORE_HUMAN = 3;

/**
 * What the bot says when it does not understand: rephrase first, then the menu, and on the third
 * miss in a row a person takes over. It never guesses an action below the confidence threshold.
 */
export const fallbackFlow: Flow = {
  name: 'fallback',
  intents: ['oos', 'fallback'],
  async start(ctx) {
    const count = (ctx.session.fallbacks ?? 0) + 1;
    ctx.session.fallbacks = count;
    if (count >= FALLBACKS_BEFORE_HUMAN) {
      await requestHuman(ctx, 'repeated_fallback');
      return;
    }
    if (count === 2) {
      ctx.reply({ ...helpMenu(ctx), text: ctx.t('fallback.second') });
      return;
    }
    ctx.reply(ctx.t('fallback.first'));
  },
};
