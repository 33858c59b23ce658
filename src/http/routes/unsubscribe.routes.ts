import { Router, urlencoded, type Request, type Response } from 'express';
import { createHash } from 'node:crypto';
import type { Translator } from '../../core/i18n.js';
import { toLocale, type Locale } from '../../core/message.js';
import type { ConsentService } from '../../crm/consent/consent.service.js';
import type { UnsubscribeTokens } from '../../crm/campaigns/unsubscribe-token.js';

export interface UnsubscribeRoutesDeps {
  tokens: UnsubscribeTokens;
  consent: Pick<ConsentService, 'withdraw'>;
  translator: Translator;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: Response, status: number, lang: Locale, title: string, body: string): void {
  res.status(status).type('html').set('cache-control', 'no-store').set('referrer-policy', 'no-referrer').send(
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
      `<title>${escape(title)}</title></head><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">${body}</body></html>`,
  );
}

function localeOf(req: Request, t: Translator): Locale {
  return toLocale(String(req.query.lang ?? '')) ?? toLocale(req.acceptsLanguages('zh-CN', 'zh', 'en') || undefined) ?? t.defaultLocale;
}

/**
 * Public unsubscribe endpoints for e-mail links. `GET /unsubscribe?t=` shows a page with a
 * confirm button (mail scanners follow GET links, so GET alone never unsubscribes);
 * `POST /unsubscribe?t=` — the RFC 8058 one-click target and the page's button — withdraws the
 * customer's marketing consent on that channel at once. Forged tokens get 400.
 */
export function unsubscribeRoutes(deps: UnsubscribeRoutesDeps): Router {
  const { tokens, translator: t } = deps;
  const router = Router();
  router.get('/unsubscribe', (req, res) => {
    const lang = localeOf(req, t);
    const token = String(req.query.t ?? '');
    if (!tokens.verify(token)) return page(res, 400, lang, t.t(lang, 'campaigns.unsubscribe_page_title'), `<p>${escape(t.t(lang, 'campaigns.unsubscribe_page_invalid'))}</p>`);
    page(res, 200, lang, t.t(lang, 'campaigns.unsubscribe_page_title'),
      `<h1>${escape(t.t(lang, 'campaigns.unsubscribe_page_title'))}</h1><p>${escape(t.t(lang, 'campaigns.unsubscribe_page_confirm'))}</p>` +
        `<form method="post" action="/unsubscribe?t=${encodeURIComponent(token)}&amp;lang=${lang}"><button type="submit">${escape(t.t(lang, 'campaigns.unsubscribe_page_button'))}</button></form>`);
  });
  router.post('/unsubscribe', urlencoded({ extended: false, limit: '2kb' }), async (req, res) => {
    const lang = localeOf(req, t);
    const who = tokens.verify(req.query.t);
    if (!who) return page(res, 400, lang, t.t(lang, 'campaigns.unsubscribe_page_title'), `<p>${escape(t.t(lang, 'campaigns.unsubscribe_page_invalid'))}</p>`);
    const oneClick = req.body?.['List-Unsubscribe'] === 'One-Click';
    // Evidence names the token (hashed) so a repeated click is recognised and not logged twice.
    const evidence = `${oneClick ? 'list-unsubscribe one-click' : 'unsubscribe page'} ${createHash('sha256').update(String(req.query.t)).digest('hex').slice(0, 16)}`;
    await deps.consent.withdraw(who.customerId, who.channel, 'marketing', 'web_form', evidence);
    page(res, 200, lang, t.t(lang, 'campaigns.unsubscribe_page_title'), `<p>${escape(t.t(lang, 'campaigns.unsubscribe_page_done'))}</p>`);
  });
  return router;
}
