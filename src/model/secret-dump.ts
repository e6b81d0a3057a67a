/** The contract of a sidecar's admin `/certs` (issue 4): its workload certificate chain, trust bundle, renewal schedule and the peer certificates it lately accepted — public facts only, never a key. `weft proxy-config secret` shows it. */

export interface CertificateInfo {
  /** One line, "CN=…, O=…"; empty for an X.509-SVID leaf (its identity is in the SAN). */
  readonly subject: string;
  readonly issuer: string;
  /** Hex, upper case (what `openssl x509 -serial` prints). */
  readonly serialNumber: string;
  /** The one URI SAN when it is a SPIFFE id, else null. */
  readonly spiffeId: string | null;
  readonly isCa: boolean;
  /** ISO 8601. */
  readonly validFrom: string;
  readonly validTo: string;
  readonly fingerprint256: string;
}

/** One accepted peer certificate. */
export interface PeerSeen {
  readonly direction: 'inbound' | 'outbound';
  readonly spiffeId: string;
  readonly serialNumber: string;
  readonly validTo: string;
  /** When the handshake completed (ISO 8601). */
  readonly at: string;
}

/** The body of the sidecar's GET /certs. */
export interface SecretDump {
  readonly spiffeId: string;
  /** Leaf first, then intermediates. */
  readonly chain: readonly CertificateInfo[];
  readonly trustBundle: readonly CertificateInfo[];
  /** When the sidecar will renew (ISO 8601), null when none is scheduled. */
  readonly nextRenewalAt: string | null;
  /** How many times the certificate was replaced since the sidecar started. */
  readonly rotations: number;
  /** The last peer certificates this sidecar accepted, oldest first. */
  readonly peers: readonly PeerSeen[];
}
