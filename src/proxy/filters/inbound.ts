/**
 * The terminal stage of the inbound listener: tells the app who called (x-forwarded-client-cert,
 * replaced — never appended — so a caller cannot forge it) and forwards to the local app.
 */
import type { HttpRequest, HttpResponse, Service } from '../http/message.ts';
import { removeHeader, setHeader } from '../http/message.ts';
import type { ClusterRuntime } from '../upstream/cluster-manager.ts';
import { forward } from '../upstream/forward.ts';

export function inboundService(app: ClusterRuntime, ownIdentity: () => string): Service {
  return (req: HttpRequest): Promise<HttpResponse> => {
    // Over plaintext (PERMISSIVE or DISABLE) there is no peer identity and no XFCC, as in Envoy; a caller's own header is dropped either way.
    if (req.info.peerIdentity === '') removeHeader(req.headers, 'x-forwarded-client-cert');
    else setHeader(req.headers, 'x-forwarded-client-cert', `By=${ownIdentity()};URI=${req.info.peerIdentity}`);
    req.info.routeName = app.name;
    return forward(app, req);
  };
}
