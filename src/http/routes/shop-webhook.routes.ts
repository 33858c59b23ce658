import { Router } from 'express';
import { AppError } from '../../core/errors.js';
import { verifyShopSignature } from '../../crm/shop/shop-signature.js';
import { shopEventSchema } from '../../crm/shop/shop-webhook.schema.js';
import type { ShopWebhookService } from '../../crm/shop/shop-webhook.service.js';
import { parseBody } from '../validate.js';

/**
 * `POST /webhooks/shop` (DESIGN §4): checks `X-Shop-Signature: sha256=<hex HMAC of the raw body>`
 * in constant time (401 when missing or wrong), validates the body (400 naming the field) and
 * applies the event once per id (a redelivery answers 200 `{status: 'duplicate'}`). Without a
 * secret every request gets 503, so an unconfigured shop is noticed rather than trusted.
 * Needs the app's JSON parser to keep `req.rawBody` (createHttpApp does).
 */
export function shopWebhookRoutes(service: Pick<ShopWebhookService, 'handle'>, secret: string | undefined): Router {
  const router = Router();
  router.post('/webhooks/shop', async (req, res) => {
    if (!secret) throw new AppError('unavailable', 'the shop webhook is not configured: set SHOP_WEBHOOK_SECRET');
    const signature = req.get('x-shop-signature');
    if (!signature) throw new AppError('unauthorized', 'missing X-Shop-Signature header');
    const raw = (req as unknown as { rawBody?: Buffer }).rawBody;
    if (!raw) throw new AppError('bad_request', 'the body must be JSON sent with Content-Type: application/json');
    if (!verifyShopSignature(secret, raw, signature)) throw new AppError('unauthorized', 'X-Shop-Signature does not match the request body');
    const event = parseBody(shopEventSchema, req.body);
    res.status(200).json(await service.handle(event));
  });
  return router;
}
