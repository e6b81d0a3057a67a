// Cluster identity: service FQDN × port × subset, and its name in Istio's "outbound|<port>|<subset>|<fqdn>" form.

export interface ClusterKey {
  readonly service: string;
  readonly port: number;
  /** "" for the whole service. */
  readonly subset: string;
}

export function clusterName(key: ClusterKey): string {
  return `outbound|${key.port}|${key.subset}|${key.service}`;
}
