// PeerAuthentication checks, as Istio's ValidatePeerAuthentication: port-level modes only with a selector, ports in range, a valid selector.
import type { FieldPath } from '../../field-path.ts';
import type { Reporter } from '../../reporter.ts';
import type { ObjectMeta } from '../../resource.ts';
import { validateSelector } from '../../rules/labels.ts';
import type { PeerAuthenticationSpec } from './types.ts';

const PORT_KEY = /^[0-9]+$/;

export function validatePeerAuthentication(spec: PeerAuthenticationSpec, _meta: ObjectMeta, report: Reporter): void {
  const at = (...p: (string | number)[]): FieldPath => ['spec', ...p];
  const labels = spec.selector?.matchLabels;
  if (spec.selector !== undefined) validateSelector(labels, at('selector', 'matchLabels'), report);
  const ports = Object.keys(spec.portLevelMtls ?? {});
  if (ports.length > 0 && (labels === undefined || Object.keys(labels).length === 0)) {
    report.error(at('portLevelMtls'), 'mesh/namespace-wide PeerAuthentication cannot have portLevelMtls: add a selector (selector.matchLabels) naming the workloads whose ports these are');
  }
  for (const key of ports) {
    const port = PORT_KEY.test(key) ? Number(key) : NaN;
    if (!(port >= 1 && port <= 65535)) report.error(at('portLevelMtls', key), `port "${key}" must be a number in range 1..65535`);
  }
}
