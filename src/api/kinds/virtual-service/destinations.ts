// Destinations and their weights, shared by http, tcp and tls routes (and mirrors).
import type { FieldPath } from '../../field-path.ts';
import type { Reporter } from '../../reporter.ts';
import { checkPort } from '../../rules/numbers.ts';
import { isIstioDnsLabel, wildcardDomainError } from '../../rules/names.ts';
import type { Destination } from './types.ts';

/** Istio's validateDestination: a concrete host, a DNS-label subset name, a port in range. */
export function validateDestination(d: Destination | undefined, path: FieldPath, report: Reporter): void {
  if (d === undefined) return;
  if (d.host === '*') report.error([...path, 'host'], 'invalid destination host *: a destination names one service');
  else {
    const err = wildcardDomainError(d.host);
    if (err !== null) report.error([...path, 'host'], err);
  }
  if (d.subset !== undefined) {
    if (d.subset === '') report.error([...path, 'subset'], 'subset name cannot be empty');
    else if (!isIstioDnsLabel(d.subset)) report.error([...path, 'subset'], `subset name is invalid: ${d.subset}`);
  }
  if (d.port !== undefined) checkPort(d.port.number ?? 0, [...path, 'port', 'number'], report);
}

/**
 * Weights are non-negative, and when a route has more than one destination or gives any weight
 * they must add up to 100 (a single destination without a weight takes all traffic). The error
 * points at the last destination's weight, where the user usually balances the total.
 */
export function validateWeights(
  destinations: readonly { readonly weight?: number }[],
  path: FieldPath,
  report: Reporter,
): void {
  let total = 0;
  let anyWeight = false;
  destinations.forEach((d, i) => {
    if (d.weight === undefined) return;
    anyWeight = true;
    if (d.weight < 0) report.error([...path, i, 'weight'], `weight ${d.weight} < 0`);
    total += d.weight;
  });
  if (destinations.length === 0 || (destinations.length === 1 && !anyWeight)) return;
  if (total === 100) return;
  const last = destinations.length - 1;
  if (!anyWeight) {
    report.error([...path, last, 'weight'], `${destinations.length} destinations need weights that sum to 100; none is given`);
    return;
  }
  const given = destinations.map((d) => d.weight ?? 0).join(' + ');
  report.error([...path, last, 'weight'], `weights must sum to 100, but ${given} = ${total}`);
}
