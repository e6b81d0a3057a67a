// Gateway names in a VirtualService ("mesh", "<namespace>/<name>", or a legacy "<name>.<namespace>" FQDN).
import type { FieldPath } from '../../field-path.ts';
import type { Reporter } from '../../reporter.ts';
import { fqdnError, isIstioDnsLabel } from '../../rules/names.ts';

/** The reserved gateway name that means "every sidecar in the mesh". */
export const MESH_GATEWAY = 'mesh';

/** Istio's validateGatewayNames. */
export function validateGatewayNames(gateways: readonly string[] | undefined, path: FieldPath, report: Reporter): void {
  (gateways ?? []).forEach((name, i) => {
    const at: FieldPath = [...path, i];
    const slash = name.indexOf('/');
    if (slash < 0) {
      if (name.includes('.')) {
        const [gw, ns] = name.split('.');
        report.warning(at, `using legacy gatewayName format "${name}"; prefer the <namespace>/<name> format: "${ns}/${gw}"`);
      }
      const err = fqdnError(name);
      if (err !== null) report.error(at, err);
      return;
    }
    const ns = name.slice(0, slash);
    const gw = name.slice(slash + 1);
    if (ns === '' || gw === '') report.error(at, 'config namespace and gateway name cannot be empty');
    else {
      if (!isIstioDnsLabel(ns)) report.error(at, `invalid value for namespace: "${ns}"`);
      if (!isIstioDnsLabel(gw)) report.error(at, `invalid value for gateway name: "${gw}"`);
    }
  });
}

/** True when the VirtualService programs sidecars: no gateways, or "mesh" among them. */
export function appliesToMesh(gateways: readonly string[] | undefined): boolean {
  return gateways === undefined || gateways.length === 0 || gateways.includes(MESH_GATEWAY);
}
