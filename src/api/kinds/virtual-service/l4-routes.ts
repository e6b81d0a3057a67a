// Istio's checks for the tcp and tls routes of a VirtualService (L4 matches, SNI hosts, destinations).
import type { FieldPath } from '../../field-path.ts';
import type { Reporter } from '../../reporter.ts';
import { validateLabels } from '../../rules/labels.ts';
import { isIpAddress, subnetError } from '../../rules/net.ts';
import { isIstioDnsLabel, wildcardDomainError } from '../../rules/names.ts';
import { checkPort } from '../../rules/numbers.ts';
import { validateDestination, validateWeights } from './destinations.ts';
import { validateGatewayNames } from './gateways.ts';
import type { L4MatchAttributes, RouteDestination, TCPRoute, TLSRoute } from './types.ts';
import { hostSubsetOf } from './hosts.ts';

function validateL4Match(m: L4MatchAttributes, path: FieldPath, report: Reporter): void {
  (m.destinationSubnets ?? []).forEach((s, i) => {
    const err = subnetError(s);
    if (err !== null) report.error([...path, 'destinationSubnets', i], err);
  });
  if (m.port !== undefined && m.port !== 0) checkPort(m.port, [...path, 'port'], report);
  validateLabels(m.sourceLabels, [...path, 'sourceLabels'], report);
  validateGatewayNames(m.gateways, [...path, 'gateways'], report);
  if (m.sourceNamespace !== undefined && m.sourceNamespace !== '' && !isIstioDnsLabel(m.sourceNamespace)) {
    report.error([...path, 'sourceNamespace'], `sourceNamespace match ${m.sourceNamespace} is invalid`);
  }
}

function validateRouteDestinations(route: readonly RouteDestination[] | undefined, kind: 'TCP' | 'TLS', path: FieldPath, report: Reporter): void {
  if (route === undefined || route.length === 0) {
    report.error([...path, 'route'], `${kind} route is required`);
    return;
  }
  route.forEach((r, i) => validateDestination(r.destination, [...path, 'route', i, 'destination'], report));
  validateWeights(route, [...path, 'route'], report);
}

export function validateTcpRoute(tcp: TCPRoute, path: FieldPath, report: Reporter): void {
  (tcp.match ?? []).forEach((m, i) => validateL4Match(m, [...path, 'match', i], report));
  validateRouteDestinations(tcp.route, 'TCP', path, report);
}

export function validateTlsRoute(tls: TLSRoute, hosts: readonly string[], path: FieldPath, report: Reporter): void {
  if (tls.match.length === 0) report.error([...path, 'match'], 'TLS route must have at least one match condition');
  tls.match.forEach((m, i) => {
    const at: FieldPath = [...path, 'match', i];
    if (m.sniHosts.length === 0) report.error([...at, 'sniHosts'], 'TLS match must have at least one SNI host');
    m.sniHosts.forEach((sni, j) => validateSniHost(sni, hosts, [...at, 'sniHosts', j], report));
    validateL4Match(m, at, report);
  });
  validateRouteDestinations(tls.route, 'TLS', path, report);
}

function validateSniHost(sni: string, hosts: readonly string[], path: FieldPath, report: Reporter): void {
  const err = wildcardDomainError(sni);
  if (err !== null) {
    if (isIpAddress(sni)) report.warning(path, `using an IP address ("${sni}") goes against SNI spec and most clients do not support this`);
    else report.error(path, err);
    return;
  }
  if (!hosts.some((h) => hostSubsetOf(sni, h))) {
    report.error(path, `SNI host "${sni}" is not a compatible subset of any of the virtual service hosts: [${hosts.join(', ')}]`);
  }
}
