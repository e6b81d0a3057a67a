// The registry of supported kinds: which apiVersion/kind pairs Weft reads, and a clear answer for the others.
import type { KindDefinition } from './kind.ts';
import { authorizationPolicyKind } from './authorization-policy/index.ts';
import { destinationRuleKind } from './destination-rule/index.ts';
import { envoyFilterKind } from './envoy-filter/index.ts';
import { istioOperatorKind } from './istio-operator/index.ts';
import { localRateLimitKind } from './local-rate-limit/index.ts';
import { telemetryKind } from './telemetry/index.ts';
import { peerAuthenticationKind } from './peer-authentication/index.ts';
import { virtualServiceKind } from './virtual-service/index.ts';

/** Every kind Weft accepts. A new kind is a new folder under kinds/ and one line here. */
export const KINDS: readonly KindDefinition[] = [virtualServiceKind, destinationRuleKind, envoyFilterKind, localRateLimitKind, peerAuthenticationKind, authorizationPolicyKind, telemetryKind, istioOperatorKind];

/** Istio kinds Weft does not read yet, so that their authors learn it is not a typo. */
const KNOWN_ISTIO_KINDS: Readonly<Record<string, string>> = {
  Gateway: 'networking.istio.io',
  ServiceEntry: 'networking.istio.io',
  Sidecar: 'networking.istio.io',
  WorkloadEntry: 'networking.istio.io',
  WorkloadGroup: 'networking.istio.io',
  ProxyConfig: 'networking.istio.io',
  RequestAuthentication: 'security.istio.io',
  WasmPlugin: 'extensions.istio.io',
};

export function kindByName(kind: string): KindDefinition | undefined {
  return KINDS.find((k) => k.kind === kind);
}

/** "VirtualService, DestinationRule (networking.istio.io/v1alpha3, v1beta1, v1)". */
export function supportedKindsText(): string {
  const groups = new Map<string, string[]>();
  for (const k of KINDS) {
    const gv = `${k.group}/${k.versions.join(', ')}`;
    groups.set(gv, [...(groups.get(gv) ?? []), k.kind]);
  }
  return [...groups].map(([gv, kinds]) => `${kinds.join(', ')} (${gv})`).join('; ');
}

export type KindLookup =
  | { readonly ok: true; readonly definition: KindDefinition }
  | { readonly ok: false; readonly field: 'kind' | 'apiVersion'; readonly message: string };

/** The definition for `apiVersion` + `kind`, or why there is none (naming what is supported). */
export function lookupKind(apiVersion: string, kind: string): KindLookup {
  const def = kindByName(kind);
  if (def === undefined) {
    const group = KNOWN_ISTIO_KINDS[kind];
    const why = group === undefined ? `unknown kind "${kind}"` : `Weft does not support ${kind} (${group}) yet`;
    return { ok: false, field: 'kind', message: `${why}; supported kinds: ${supportedKindsText()}` };
  }
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  if (group !== def.group || !def.versions.includes(version)) {
    const supported = def.versions.map((v) => `${def.group}/${v}`).join(', ');
    return { ok: false, field: 'apiVersion', message: `${kind} does not come in apiVersion "${apiVersion}"; supported: ${supported}` };
  }
  return { ok: true, definition: def };
}
