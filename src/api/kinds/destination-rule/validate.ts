// Istio's semantic validation of a DestinationRule (pkg/config/validation ValidateDestinationRule), with path-precise findings.
import type { Reporter } from '../../reporter.ts';
import type { ObjectMeta } from '../../resource.ts';
import { validateExportTo } from '../../rules/export-to.ts';
import { validateLabels, validateSelector } from '../../rules/labels.ts';
import { isIstioDnsLabel, wildcardDomainError } from '../../rules/names.ts';
import { validateTrafficPolicy } from './traffic-policy.ts';
import type { DestinationRuleSpec } from './types.ts';

export function validateDestinationRule(spec: DestinationRuleSpec, meta: ObjectMeta, report: Reporter): void {
  const hostErr = wildcardDomainError(spec.host);
  if (hostErr !== null) report.error(['spec', 'host'], hostErr);
  validateTrafficPolicy(spec.trafficPolicy, ['spec', 'trafficPolicy'], report);
  const names = new Map<string, number>();
  (spec.subsets ?? []).forEach((s, i) => {
    const at = ['spec', 'subsets', i] as const;
    if (s.name === '') report.error([...at, 'name'], 'subset name cannot be empty');
    else if (!isIstioDnsLabel(s.name)) report.error([...at, 'name'], `subset name is invalid: ${s.name} (a DNS label: letters, digits and "-")`);
    const first = names.get(s.name);
    if (first !== undefined) report.error([...at, 'name'], `duplicate subset names: ${s.name} (also spec.subsets[${first}])`);
    else names.set(s.name, i);
    validateLabels(s.labels, [...at, 'labels'], report);
    validateTrafficPolicy(s.trafficPolicy, [...at, 'trafficPolicy'], report);
  });
  validateExportTo(spec.exportTo, meta.namespace, spec.workloadSelector !== undefined, ['spec', 'exportTo'], report);
  if (spec.workloadSelector !== undefined) validateSelector(spec.workloadSelector.matchLabels, ['spec', 'workloadSelector', 'matchLabels'], report);
}
