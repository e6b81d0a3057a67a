// order-service of the demo: GET /orders/<id> joins user-service and payment-service, called by name with plain fetch; v2 adds a delivery estimate. No mesh code.
import { getJson, notFound, propagatedHeaders, sendJson, serve, VERSION } from './http-kit.ts';

const SERVICE = 'order-service';
const USER_SERVICE = process.env.USER_SERVICE_URL ?? 'http://user-service:8080';
const PAYMENT_SERVICE = process.env.PAYMENT_SERVICE_URL ?? 'http://payment-service:8080';
const ITEMS = ['tea', 'coffee', 'croissant', 'bagel', 'juice'];

serve(SERVICE, async (req, res, url) => {
  const m = /^\/orders\/(\d+)$/.exec(url.pathname);
  if (req.method !== 'GET' || m === null) return notFound(res, SERVICE, url);
  const id = Number(m[1]);
  const userId = 100 + (id % 7);
  const headers = propagatedHeaders(req);
  const [user, payment] = await Promise.all([
    getJson('user-service', `${USER_SERVICE}/users/${userId}`, headers),
    getJson('payment-service', `${PAYMENT_SERVICE}/payments/${id}`, headers),
  ]);
  const servedBy = { service: SERVICE, version: VERSION };
  if (!user.ok) return sendJson(res, user.status, { error: user.error, upstream: user.upstream, servedBy });
  if (!payment.ok) return sendJson(res, payment.status, { error: payment.error, upstream: payment.upstream, servedBy });
  const order: Record<string, unknown> = { id, userId, item: ITEMS[id % ITEMS.length], quantity: 1 + (id % 3) };
  // The canary's new feature: only v2 knows when the order arrives.
  if (VERSION === 'v2') order.estimatedDelivery = `${1 + (id % 4)} days`;
  sendJson(res, 200, { order, servedBy, user: user.body, payment: payment.body });
});
