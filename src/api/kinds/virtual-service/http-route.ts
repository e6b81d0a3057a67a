// Istio's checks for one HTTP route of a VirtualService: what it does, how it matches, and each policy's values.
import type { FieldPath } from '../../field-path.ts';
import type { Reporter } from '../../reporter.ts';
import { checkDuration } from '../../rules/durations.ts';
import { authorityOverrides, headerNameError, validateHeaderOperations } from '../../rules/headers.ts';
import { validateLabels } from '../../rules/labels.ts';
import { isDns1123Subdomain, isIstioDnsLabel } from '../../rules/names.ts';
import { checkPort } from '../../rules/numbers.ts';
import { validateStringMatch } from '../../rules/string-match.ts';
import { validateDestination, validateWeights } from './destinations.ts';
import { validateGatewayNames } from './gateways.ts';
import { validateCors, validateDirectResponse, validateFault, validateMirrors, validateRedirect, validateRetries, validateRewrite } from './http-policies.ts';
import type { HTTPMatchRequest, HTTPRoute } from './types.ts';

export function validateHttpRoute(http: HTTPRoute, path: FieldPath, report: Reporter): void {
  validateAction(http, path, report);
  (http.match ?? []).forEach((m, i) => validateMatch(m, [...path, 'match', i], report));
  validateHeaderOperations(http.headers, [...path, 'headers'], report);
  validateCors(http.corsPolicy, [...path, 'corsPolicy'], report);
  validateFault(http.fault, [...path, 'fault'], report);
  validateMirrors(http, path, report);
  validateRedirect(http.redirect, [...path, 'redirect'], report);
  validateDirectResponse(http.directResponse, [...path, 'directResponse'], report);
  validateRetries(http.retries, [...path, 'retries'], report);
  validateRewrite(http.rewrite, [...path, 'rewrite'], report);
  const authorities = [...(http.rewrite?.authority ? [http.rewrite.authority] : []), ...authorityOverrides(http.headers)];
  if (authorities.length > 1) report.error([...path, 'headers'], `authority header cannot be set multiple times: have "${authorities[0]}", attempting to set "${authorities[1]}"`);
  (http.route ?? []).forEach((r, i) => {
    validateDestination(r.destination, [...path, 'route', i, 'destination'], report);
    validateHeaderOperations(r.headers, [...path, 'route', i, 'headers'], report);
  });
  if (http.route !== undefined) validateWeights(http.route, [...path, 'route'], report);
  checkDuration(http.timeout, [...path, 'timeout'], report);
}

/**
 * A route does exactly one thing: forward (`route`), `redirect`, answer (`directResponse`) or hand
 * over to another VirtualService (`delegate`). Istio's validateHTTPRouteConflict, plus the rule
 * that a delegating (root) route carries nothing else that decides the answer.
 */
function validateAction(http: HTTPRoute, path: FieldPath, report: Reporter): void {
  const hasRoute = http.route !== undefined && http.route.length > 0;
  const actions = [
    ...(hasRoute ? ['route'] : []),
    ...(http.redirect ? ['redirect'] : []),
    ...(http.directResponse ? ['directResponse'] : []),
    ...(http.delegate ? ['delegate'] : []),
  ];
  if (actions.length === 0) {
    report.error(http.route === undefined ? path : [...path, 'route'], 'HTTP route, redirect, directResponse or delegate is required');
  } else if (actions.length > 1) {
    report.error([...path, actions[1]!], `an HTTP route does one thing: it cannot have both ${actions[0]} and ${actions[1]}`);
  }
  if (http.redirect || http.directResponse) {
    const what = http.redirect ? 'redirect' : 'directResponse';
    if (http.fault) report.error([...path, 'fault'], `HTTP route cannot contain both fault and ${what}`);
    if (http.rewrite) report.error([...path, 'rewrite'], `HTTP route rule cannot contain both rewrite and ${what}`);
  }
  if (http.delegate) {
    if (!http.delegate.name) report.error([...path, 'delegate', 'name'], 'delegate needs the name of the VirtualService to delegate to');
    else if (!isDns1123Subdomain(http.delegate.name)) report.error([...path, 'delegate', 'name'], `invalid delegate name "${http.delegate.name}"`);
    if (http.delegate.namespace && !isIstioDnsLabel(http.delegate.namespace)) report.error([...path, 'delegate', 'namespace'], `invalid delegate namespace "${http.delegate.namespace}"`);
  }
  if (http.mirror && http.mirrors && http.mirrors.length > 0) report.error([...path, 'mirrors'], 'HTTP route cannot contain both mirror and mirrors');
}

/** Istio's validateHTTPRouteMatchRequest. Conditions within one match block are ANDed; blocks are ORed. */
function validateMatch(m: HTTPMatchRequest, path: FieldPath, report: Reporter): void {
  for (const field of ['headers', 'queryParams', 'withoutHeaders'] as const) {
    for (const [name, sm] of Object.entries(m[field] ?? {})) {
      const at: FieldPath = [...path, field, name];
      if (field !== 'queryParams') {
        const err = headerNameError(name);
        if (err !== null) report.error(at, err);
      } else if (name === '') report.error(at, 'query parameter name cannot be empty');
      validateStringMatch(sm, field, at, report);
    }
  }
  for (const field of ['uri', 'scheme', 'method', 'authority'] as const) {
    const sm = m[field];
    if (sm !== undefined) validateStringMatch(sm, field, [...path, field], report);
  }
  if (m.port !== undefined && m.port !== 0) checkPort(m.port, [...path, 'port'], report);
  validateLabels(m.sourceLabels, [...path, 'sourceLabels'], report);
  validateGatewayNames(m.gateways, [...path, 'gateways'], report);
  if (m.sourceNamespace !== undefined && m.sourceNamespace !== '' && !isIstioDnsLabel(m.sourceNamespace)) {
    report.error([...path, 'sourceNamespace'], `sourceNamespace match ${m.sourceNamespace} is invalid`);
  }
}
