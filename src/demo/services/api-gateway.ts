// api-gateway of the demo: GET /orders/<id> asks order-service by name with plain fetch and returns its answer; no mesh code.
import { getJson, notFound, propagatedHeaders, sendJson, serve, VERSION } from './http-kit.ts';

const SERVICE = 'api-gateway';
const ORDER_SERVICE = process.env.ORDER_SERVICE_URL ?? 'http://order-service:8080';

serve(SERVICE, async (req, res, url) => {
  const m = /^\/orders\/([\w-]+)$/.exec(url.pathname);
  if (req.method !== 'GET' || m === null) return notFound(res, SERVICE, url);
  const r = await getJson('order-service', `${ORDER_SERVICE}/orders/${m[1]}`, propagatedHeaders(req));
  if (!r.ok) return sendJson(res, r.status, { error: r.error, upstream: r.upstream, gateway: { service: SERVICE, version: VERSION } });
  sendJson(res, 200, { ...(r.body as object), gateway: { service: SERVICE, version: VERSION } });
});
