// The PeerAuthentication kind: security.istio.io v1beta1 and v1, mutual TLS modes by mesh, namespace, workload and port.
import type { KindDefinition } from '../kind.ts';
import { PEER_AUTHENTICATION_FIELDS } from './fields.ts';
import { peerAuthenticationSpec } from './schema.ts';
import type { PeerAuthenticationSpec } from './types.ts';
import { validatePeerAuthentication } from './validate.ts';

export const peerAuthenticationKind: KindDefinition<PeerAuthenticationSpec> = {
  kind: 'PeerAuthentication',
  group: 'security.istio.io',
  versions: ['v1beta1', 'v1'],
  spec: peerAuthenticationSpec,
  fields: PEER_AUTHENTICATION_FIELDS,
  validate: validatePeerAuthentication,
};
