import type { RequestHandler } from 'express';

/**
 * The Content-Security-Policy of every page we serve (demo shop, admin dashboard, unsubscribe
 * page). Scripts only from our origin (the pages have no inline script), so an injected
 * `<script>` or `onerror=` handler does not run even if some rendering path forgot to escape.
 * Styles allow inline because the demo shop page and the unsubscribe page carry `style` attributes.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  // The widget talks to /chat/messages and /chat/ws on our origin.
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

/**
 * Security headers on every response: CSP, no MIME sniffing (a JSON answer is never run as a
 * script or shown as HTML), no referrer leaks of session tokens in URLs, and no framing by others.
 * Mount it first (before any router) so error answers carry the headers too.
 */
export function securityHeaders(policy = CONTENT_SECURITY_POLICY): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', policy);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    next();
  };
}
