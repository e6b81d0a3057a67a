// IP addresses and CIDR blocks, as Istio accepts them in destinationSubnets and tunnel targets.
import { isIP } from 'node:net';

export function isIpAddress(s: string): boolean {
  return isIP(s) !== 0;
}

/** Istio's ValidateIPSubnet: "a.b.c.d", "a.b.c.d/n" or an IPv6 address with an optional prefix. */
export function subnetError(subnet: string): string | null {
  const slash = subnet.indexOf('/');
  if (slash < 0) return isIpAddress(subnet) ? null : `${subnet} is not a valid IP`;
  const ip = subnet.slice(0, slash);
  const bits = subnet.slice(slash + 1);
  const family = isIP(ip);
  const max = family === 4 ? 32 : family === 6 ? 128 : -1;
  if (max < 0 || !/^\d{1,3}$/.test(bits) || Number(bits) > max) return `${subnet} is not a valid CIDR block`;
  return null;
}
