// user-service of the demo: GET /users/<id>; v2 adds a loyalty tier. No mesh code.
import { notFound, sendJson, serve, VERSION } from './http-kit.ts';

const SERVICE = 'user-service';
const NAMES = ['Ada', 'Grace', 'Linus', 'Barbara', 'Ken', 'Margaret', 'Dennis'];

serve(SERVICE, (req, res, url) => {
  const m = /^\/users\/(\d+)$/.exec(url.pathname);
  if (req.method !== 'GET' || m === null) return notFound(res, SERVICE, url);
  const id = Number(m[1]);
  const user: Record<string, unknown> = { id, name: NAMES[id % NAMES.length] };
  if (VERSION === 'v2') user.tier = id % 2 === 0 ? 'gold' : 'silver';
  sendJson(res, 200, { ...user, servedBy: { service: SERVICE, version: VERSION } });
});
