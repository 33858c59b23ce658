import type { Translator } from '../../core/i18n.js';
import { toLocale, type Locale, type OutboundMessage } from '../../core/message.js';
import type { CampaignMessage } from './campaign.types.js';

export interface PersonalVars {
  name?: string | null;
  tier?: string | null;
  points?: number | null;
  product?: string | null;
}

/** The message for `locale`, else the campaign's first locale. */
export function messageFor(messages: Partial<Record<Locale, CampaignMessage>>, locale: string): { locale: Locale; message: CampaignMessage } {
  const want = toLocale(locale);
  if (want && messages[want]) return { locale: want, message: messages[want]! };
  const first = Object.keys(messages)[0] as Locale;
  return { locale: first, message: messages[first]! };
}

/**
 * Fills {name}, {tier}, {points}, {product} (localised fallbacks when unknown) and appends the
 * unsubscribe hint: "Reply STOP…" on chat channels; on e-mail a link, also handed to the adapter
 * as a `link` attachment named `unsubscribe` for the List-Unsubscribe header.
 */
export function renderCampaignMessage(
  t: Translator,
  locale: Locale,
  message: CampaignMessage,
  vars: PersonalVars,
  unsubscribe: { channel: string; url?: string },
): OutboundMessage {
  const values: Record<string, string> = {
    name: vars.name?.trim() || t.t(locale, 'campaigns.fallback_name'),
    tier: vars.tier || t.t(locale, 'campaigns.fallback_tier'),
    points: String(vars.points ?? 0),
    product: vars.product || t.t(locale, 'campaigns.fallback_product'),
  };
  const body = message.text.replace(/\{(name|tier|points|product)\}/g, (_m, k: string) => values[k]);
  const email = unsubscribe.channel === 'email' && unsubscribe.url;
  const hint = email ? t.t(locale, 'campaigns.unsubscribe_link', { url: unsubscribe.url }) : t.t(locale, 'campaigns.unsubscribe_hint');
  const out: OutboundMessage = { text: `${body}\n\n${hint}` };
  if (message.buttons?.length) out.buttons = message.buttons;
  if (email) out.attachments = [{ type: 'link', url: unsubscribe.url!, name: 'unsubscribe' }];
  return out;
}
