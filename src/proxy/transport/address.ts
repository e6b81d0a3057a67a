// "address:port" the way Envoy prints a socket address in access logs: IPv6 in brackets, "" when the socket has none.

export function formatSocketAddress(address: string | undefined, port: number | undefined): string {
  if (address === undefined || address === '') return '';
  const host = address.includes(':') ? `[${address}]` : address;
  return port === undefined ? host : `${host}:${port}`;
}
