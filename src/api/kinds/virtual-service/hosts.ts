// Host-name comparisons for VirtualService hosts: wildcard matching as Istio's host.Name does it.

/** True when `a` and `b` can name a common host ("*.foo.com" and "bar.foo.com"). Case-insensitive. */
export function hostsOverlap(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return true;
  const xw = x.startsWith('*');
  const yw = y.startsWith('*');
  if (xw && yw) return x.length > y.length ? x.endsWith(y.slice(1)) : y.endsWith(x.slice(1));
  if (xw) return y.endsWith(x.slice(1));
  if (yw) return x.endsWith(y.slice(1));
  return false;
}

/** True when every host `a` names is also named by `b` (host.Name.SubsetOf). */
export function hostSubsetOf(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (y.startsWith('*')) return x.endsWith(y.slice(1));
  return !x.startsWith('*') && x === y;
}
