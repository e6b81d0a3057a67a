// Istio's checks for loadBalancer settings: one policy, consistent-hash choices, locality, warmup.
import type { FieldPath } from '../../field-path.ts';
import type { Reporter } from '../../reporter.ts';
import { checkDuration } from '../../rules/durations.ts';
import type { LoadBalancerSettings, LocalityLoadBalancerSetting, OutlierDetection } from './types.ts';

/** Envoy's Maglev table size limit (Istio's validateLoadBalancer). */
const MAGLEV_MAX_TABLE_SIZE = 5_000_011;

export function validateLoadBalancer(lb: LoadBalancerSettings | undefined, outlier: OutlierDetection | undefined, path: FieldPath, report: Reporter): void {
  if (lb === undefined) return;
  if (lb.simple !== undefined && lb.consistentHash !== undefined) report.error([...path, 'consistentHash'], 'only one of simple or consistentHash may be set');
  const ch = lb.consistentHash;
  if (ch !== undefined) {
    const at: FieldPath = [...path, 'consistentHash'];
    const keys = (['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'] as const).filter((k) => ch[k] !== undefined);
    if (keys.length === 0) report.error(at, 'consistentHash needs one hash key: httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName');
    else if (keys.length > 1) report.error([...at, keys[1]!], `only one hash key may be set (found ${keys.join(' and ')})`);
    if (ch.httpHeaderName === '') report.error([...at, 'httpHeaderName'], 'httpHeaderName cannot be empty');
    if (ch.httpQueryParameterName === '') report.error([...at, 'httpQueryParameterName'], 'httpQueryParameterName cannot be empty');
    if (ch.httpCookie !== undefined) {
      if (ch.httpCookie.name === '') report.error([...at, 'httpCookie', 'name'], 'name required for HttpCookie');
      checkDuration(ch.httpCookie.ttl, [...at, 'httpCookie', 'ttl'], report, { allowZero: true });
      (ch.httpCookie.attributes ?? []).forEach((a, i) => {
        if (a.name === '') report.error([...at, 'httpCookie', 'attributes', i, 'name'], 'cookie attribute name cannot be empty');
      });
    }
    if (ch.ringHash !== undefined && ch.maglev !== undefined) report.error([...at, 'maglev'], 'only one of ringHash or maglev may be set');
    if (ch.minimumRingSize !== undefined && ch.minimumRingSize !== 0) {
      report.warning([...at, 'minimumRingSize'], "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead");
      if (ch.ringHash !== undefined || ch.maglev !== undefined) report.error([...at, 'minimumRingSize'], 'only one of MinimumRingSize or Maglev/Ringhash can be specified');
    }
    const size = ch.maglev?.tableSize;
    if (ch.maglev !== undefined) {
      const where: FieldPath = [...at, 'maglev', 'tableSize'];
      if (size === undefined || size === 0) report.error(where, 'tableSize must be set for maglev');
      else if (size >= MAGLEV_MAX_TABLE_SIZE) report.error(where, `tableSize must be less than ${MAGLEV_MAX_TABLE_SIZE} for maglev`);
      else if (!isPrime(size)) report.error(where, 'tableSize must be a prime number for maglev');
    }
  }
  validateLocality(lb.localityLbSetting, outlier, [...path, 'localityLbSetting'], report);
  checkDuration(lb.warmupDurationSecs, [...path, 'warmupDurationSecs'], report);
  const warm = lb.warmup;
  if (warm !== undefined) {
    checkDuration(warm.duration, [...path, 'warmup', 'duration'], report);
    if (warm.minimumPercent !== undefined && (warm.minimumPercent < 0 || warm.minimumPercent > 100)) {
      report.error([...path, 'warmup', 'minimumPercent'], 'minimumPercent value should be between 0 and 100');
    }
    if (warm.aggression !== undefined && warm.aggression < 1) report.error([...path, 'warmup', 'aggression'], 'aggression should be greater than or equal to 1');
  }
}

/** Envoy's primality test, which Istio copies so that it agrees with Envoy exactly. */
function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  const limit = Math.floor(Math.sqrt(x));
  for (let f = 3; f <= limit; f += 2) if (x % f === 0) return false;
  return true;
}

const TOPOLOGY_LABELS = new Set(['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone']);

/** Istio's ValidateLocalityLbSetting. */
function validateLocality(lb: LocalityLoadBalancerSetting | undefined, outlier: OutlierDetection | undefined, path: FieldPath, report: Reporter): void {
  if (lb === undefined) return;
  const distribute = lb.distribute ?? [];
  const failover = lb.failover ?? [];
  if (distribute.length > 0 && failover.length > 0) {
    report.error(path, "can not simultaneously specify 'distribute' and 'failover'");
    return;
  }
  if (failover.length > 0) {
    const topo = (lb.failoverPriority ?? []).find((l) => TOPOLOGY_LABELS.has(l));
    if (topo !== undefined) report.error([...path, 'failoverPriority'], `can not simultaneously set 'failover' and topology label '${topo}' in 'failover_priority'`);
  }
  distribute.forEach((d, i) => {
    let total = 0;
    for (const [loc, weight] of Object.entries(d.to ?? {})) {
      if (weight <= 0 || weight > 100) report.error([...path, 'distribute', i, 'to', loc], 'locality weight must be in range [1, 100]');
      total += weight;
    }
    if (total !== 100) report.error([...path, 'distribute', i, 'to'], `total locality weight ${total} != 100`);
    for (const loc of [d.from ?? '', ...Object.keys(d.to ?? {})]) {
      const err = localityError(loc);
      if (err !== null) report.error([...path, 'distribute', i], err);
    }
  });
  if ((failover.length > 0 || (lb.failoverPriority ?? []).length > 0) && outlier === undefined) {
    report.warning(path, 'outlier detection policy must be provided for failover');
  }
  failover.forEach((f, i) => {
    const at: FieldPath = [...path, 'failover', i];
    if (f.from === f.to) report.error(at, 'locality lb failover settings must specify different regions');
    if ((f.from ?? '').includes('/') || (f.to ?? '').includes('/')) report.error(at, 'locality lb failover only specify region');
    if ((f.from ?? '').includes('*') || (f.to ?? '').includes('*')) report.error(at, "locality lb failover region should not contain '*' wildcard");
  });
}

function localityError(locality: string): string | null {
  const stars = locality.split('*').length - 1;
  if (stars > 1 || (stars === 1 && !locality.endsWith('*'))) return `locality ${locality} wildcard '*' number can not exceed 1 and must be in the end`;
  if (locality.split('/', 3).some((p) => p === '')) return `locality ${locality} must not contain empty region/zone/subzone info`;
  return null;
}
