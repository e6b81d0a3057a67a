// payment-service of the demo: GET /payments/<order id> says whether the order is paid. No mesh code.
import { notFound, sendJson, serve, VERSION } from './http-kit.ts';

const SERVICE = 'payment-service';

serve(SERVICE, (req, res, url) => {
  const m = /^\/payments\/(\d+)$/.exec(url.pathname);
  if (req.method !== 'GET' || m === null) return notFound(res, SERVICE, url);
  const orderId = Number(m[1]);
  sendJson(res, 200, {
    orderId,
    status: orderId % 10 === 9 ? 'pending' : 'paid',
    amount: Number((4.5 + (orderId % 5) * 1.25).toFixed(2)),
    currency: 'EUR',
    servedBy: { service: SERVICE, version: VERSION },
  });
});
