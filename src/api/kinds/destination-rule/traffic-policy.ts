// Istio's checks for a trafficPolicy (top level, per subset, per port): connection pool, outlier detection, TLS, tunnel.
import type { FieldPath } from '../../field-path.ts';
import type { Reporter } from '../../reporter.ts';
import { checkDuration } from '../../rules/durations.ts';
import { isIpAddress } from '../../rules/net.ts';
import { fqdnError } from '../../rules/names.ts';
import { checkNonNegative, checkPercent, checkPort } from '../../rules/numbers.ts';
import { validateLoadBalancer } from './load-balancer.ts';
import type { ClientTLSSettings, ConnectionPoolSettings, OutlierDetection, PortTrafficPolicy, TrafficPolicy } from './types.ts';

export function validateTrafficPolicy(tp: TrafficPolicy | undefined, path: FieldPath, report: Reporter): void {
  if (tp === undefined) return;
  if (Object.values(tp).every((v) => v === undefined)) {
    report.error(path, 'traffic policy must have at least one field');
    return;
  }
  if (tp.tunnel !== undefined && tp.proxyProtocol !== undefined) report.error([...path, 'proxyProtocol'], 'tunnel and proxyProtocol must not be set together');
  validateOutlierDetection(tp.outlierDetection, [...path, 'outlierDetection'], report);
  validateConnectionPool(tp.connectionPool, [...path, 'connectionPool'], report);
  validateLoadBalancer(tp.loadBalancer, tp.outlierDetection, [...path, 'loadBalancer'], report);
  validateTls(tp.tls, [...path, 'tls'], report);
  (tp.portLevelSettings ?? []).forEach((p, i) => validatePortPolicy(p, [...path, 'portLevelSettings', i], report));
  const seen = new Map<number, number>();
  (tp.portLevelSettings ?? []).forEach((p, i) => {
    const n = p.port?.number;
    if (n === undefined) return;
    const first = seen.get(n);
    if (first !== undefined) report.warning([...path, 'portLevelSettings', i, 'port', 'number'], `port ${n} already has settings at portLevelSettings[${first}]; only the first applies`);
    else seen.set(n, i);
  });
  const tunnel = tp.tunnel;
  if (tunnel !== undefined) {
    const at: FieldPath = [...path, 'tunnel'];
    if (tunnel.protocol !== undefined && tunnel.protocol !== '' && tunnel.protocol !== 'CONNECT' && tunnel.protocol !== 'POST') {
      report.error([...at, 'protocol'], 'tunnel protocol must be "CONNECT" or "POST"');
    }
    const hostErr = fqdnError(tunnel.targetHost);
    if (hostErr !== null && !isIpAddress(tunnel.targetHost)) report.error([...at, 'targetHost'], `tunnel target host must be valid FQDN or IP address: ${hostErr}`);
    checkPort(tunnel.targetPort, [...at, 'targetPort'], report);
  }
  const budget = tp.retryBudget;
  if (budget?.percent !== undefined && (budget.percent < 0 || budget.percent > 100)) report.error([...path, 'retryBudget', 'percent'], `retry budget percent ${budget.percent} is not in range 0..100`);
}

function validatePortPolicy(p: PortTrafficPolicy, path: FieldPath, report: Reporter): void {
  if (p.port === undefined) report.error([...path, 'port'], 'portTrafficPolicy must have valid port');
  else checkPort(p.port.number ?? 0, [...path, 'port', 'number'], report);
  if (p.loadBalancer === undefined && p.connectionPool === undefined && p.outlierDetection === undefined && p.tls === undefined) {
    report.error(path, 'port traffic policy must have at least one field');
    return;
  }
  validateOutlierDetection(p.outlierDetection, [...path, 'outlierDetection'], report);
  validateConnectionPool(p.connectionPool, [...path, 'connectionPool'], report);
  validateLoadBalancer(p.loadBalancer, p.outlierDetection, [...path, 'loadBalancer'], report);
  validateTls(p.tls, [...path, 'tls'], report);
}

function validateOutlierDetection(o: OutlierDetection | undefined, path: FieldPath, report: Reporter): void {
  if (o === undefined) return;
  checkDuration(o.baseEjectionTime, [...path, 'baseEjectionTime'], report);
  checkDuration(o.interval, [...path, 'interval'], report);
  checkNonNegative(o.consecutiveErrors, 'consecutiveErrors', [...path, 'consecutiveErrors'], report);
  if (o.consecutiveErrors !== undefined && o.consecutiveErrors !== 0) {
    report.warning([...path, 'consecutiveErrors'], 'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead (Weft reads it as consecutive5xxErrors when that is not set; see docs/resilience.md)');
  }
  if (o.splitExternalLocalOriginErrors !== true && (o.consecutiveLocalOriginFailures ?? 0) > 0) {
    report.error([...path, 'consecutiveLocalOriginFailures'], 'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false');
  }
  checkPercent(o.maxEjectionPercent, [...path, 'maxEjectionPercent'], report);
  checkPercent(o.minHealthPercent, [...path, 'minHealthPercent'], report);
}

function validateConnectionPool(c: ConnectionPoolSettings | undefined, path: FieldPath, report: Reporter): void {
  if (c === undefined) return;
  if (c.http === undefined && c.tcp === undefined) {
    report.error(path, 'connection pool must have at least one field');
    return;
  }
  const http = c.http;
  if (http !== undefined) {
    const at: FieldPath = [...path, 'http'];
    for (const k of ['http1MaxPendingRequests', 'http2MaxRequests', 'maxRequestsPerConnection', 'maxRetries', 'maxConcurrentStreams'] as const) {
      checkNonNegative(http[k], k, [...at, k], report);
    }
    checkDuration(http.idleTimeout, [...at, 'idleTimeout'], report);
    if (http.h2UpgradePolicy === 'UPGRADE' && http.useClientProtocol === true) {
      report.error([...at, 'useClientProtocol'], 'use client protocol must not be true when H2UpgradePolicy is UPGRADE');
    }
  }
  const tcp = c.tcp;
  if (tcp !== undefined) {
    const at: FieldPath = [...path, 'tcp'];
    checkNonNegative(tcp.maxConnections, 'maxConnections', [...at, 'maxConnections'], report);
    checkDuration(tcp.connectTimeout, [...at, 'connectTimeout'], report);
    checkDuration(tcp.maxConnectionDuration, [...at, 'maxConnectionDuration'], report);
    checkDuration(tcp.idleTimeout, [...at, 'idleTimeout'], report, { allowZero: true });
    checkDuration(tcp.tcpKeepalive?.time, [...at, 'tcpKeepalive', 'time'], report);
    checkDuration(tcp.tcpKeepalive?.interval, [...at, 'tcpKeepalive', 'interval'], report);
  }
}

/** Istio's agent.ValidateTLS for client TLS settings. */
function validateTls(tls: ClientTLSSettings | undefined, path: FieldPath, report: Reporter): void {
  if (tls === undefined) return;
  const mode = tls.mode ?? 'DISABLE';
  if (tls.insecureSkipVerify === true) {
    if (mode === 'SIMPLE' && (tls.caCertificates || tls.credentialName || tls.subjectAltNames !== undefined)) {
      report.error([...path, 'insecureSkipVerify'], 'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true');
    }
    if (mode === 'MUTUAL' && (tls.caCertificates || tls.subjectAltNames !== undefined)) {
      report.error([...path, 'insecureSkipVerify'], 'cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true');
    }
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && tls.credentialName) {
    if (tls.clientCertificate || tls.caCertificates || tls.privateKey || tls.caCrl) {
      report.error([...path, 'credentialName'], 'cannot specify client certificates or CA certificate or CA CRL If credentialName is set');
    }
    return;
  }
  if (mode === 'MUTUAL') {
    if (!tls.clientCertificate) report.error([...path, 'clientCertificate'], 'client certificate required for mutual tls');
    if (!tls.privateKey) report.error([...path, 'privateKey'], 'private key required for mutual tls');
  }
}
