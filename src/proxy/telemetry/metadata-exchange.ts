// Istio's metadata exchange as two pipeline layers: the outbound sidecar names its workload in a request header and reads the callee's from the response; the inbound sidecar does the reverse; neither header ever reaches an app, and a peer's claim counts only when it matches the identity its certificate proved.
import type { Endpoint } from '../../model/proxy-config.ts';
import type { HttpRequest, HttpResponse, Layer, Service } from '../http/message.ts';
import { setHeader } from '../http/message.ts';
import { PEER_METADATA_HEADER, type PeerMetadata, type PeerMetadataCache } from './peer-metadata.ts';

/** Removes every `name` field and returns the first value, or undefined when there was none. */
export function takeHeader(headers: string[], name: string): string | undefined {
  // Closed up in place in one pass (every request between sidecars carries one: no splice, and no
  // array of the removed pair made per request).
  let value: string | undefined;
  let w = 0;
  for (let i = 0; i < headers.length; i += 2) {
    const n = headers[i]!;
    if (n === name) {
      value ??= headers[i + 1];
      continue;
    }
    if (w !== i) {
      headers[w] = n;
      headers[w + 1] = headers[i + 1]!;
    }
    w += 2;
  }
  headers.length = w;
  return value;
}

/** Whether a request to `endpoint` of `cluster` went over mesh mTLS (so the endpoint's identity was verified). */
export type MeshMtlsCheck = (cluster: string, endpoint: Endpoint) => boolean;

const ALWAYS_MTLS: MeshMtlsCheck = () => true;

/**
 * Outbound: the request carries this workload's metadata (replacing anything the app put there);
 * the callee's metadata is taken off the response and kept in StreamInfo only when the request
 * went over mesh mTLS (`viaMtls`) and its principal is the SPIFFE id the TLS handshake verified
 * for the chosen endpoint.
 */
export function outboundExchange(local: PeerMetadata, cache: PeerMetadataCache, viaMtls: MeshMtlsCheck = ALWAYS_MTLS): Layer {
  return (inner: Service): Service => (req: HttpRequest): Promise<HttpResponse> => {
    setHeader(req.headers, PEER_METADATA_HEADER, local.header);
    return inner(req).then((res) => {
      const v = takeHeader(res.headers, PEER_METADATA_HEADER);
      const ep = req.info.upstreamEndpoint;
      if (v !== undefined && ep !== null && viaMtls(req.info.upstreamCluster, ep)) {
        const m = cache.get(v);
        if (m !== null && m.principal === ep.identity) req.info.peerMetadata = m;
      }
      return res;
    });
  };
}

/**
 * Inbound: the caller's metadata is always removed from the request; it is believed only over
 * mTLS from a peer whose certificate carries the principal it claims. Only such a peer gets this
 * workload's metadata back (and an app's own header of that name never leaves). Its presence
 * alone says that the caller has a sidecar (StreamInfo.callerReports).
 */
export function inboundExchange(local: PeerMetadata, cache: PeerMetadataCache): Layer {
  return (inner: Service): Service => (req: HttpRequest): Promise<HttpResponse> => {
    const v = takeHeader(req.headers, PEER_METADATA_HEADER);
    const info = req.info;
    // Every outbound sidecar sends its metadata, and reports its requests to the service graph:
    // over plaintext the claim is not believed, but the request is still not the callee's to report.
    info.callerReports = v !== undefined;
    if (v !== undefined && info.peerIdentity !== '') {
      const m = cache.get(v);
      if (m !== null && m.principal === info.peerIdentity) info.peerMetadata = m;
    }
    return inner(req).then((res) => {
      if (info.peerMetadata !== null) setHeader(res.headers, PEER_METADATA_HEADER, local.header);
      else takeHeader(res.headers, PEER_METADATA_HEADER);
      return res;
    });
  };
}

/**
 * Applies `layer` to a listener's current pipeline, rebuilding only when that pipeline changes
 * (a new config version): per request it is one identity check, no new closure.
 */
export function memoLayer(layer: Layer): (inner: Service) => Service {
  let lastIn: Service | null = null;
  let lastOut: Service | null = null;
  return (inner) => {
    if (inner !== lastIn || lastOut === null) {
      lastIn = inner;
      lastOut = layer(inner);
    }
    return lastOut;
  };
}
