// Which PeerAuthentication fields Weft enforces (all of them; docs/compatibility.md mirrors this).
import type { FieldRule } from '../kind.ts';

export const PEER_AUTHENTICATION_FIELDS: Readonly<Record<string, FieldRule>> = {
  spec: { status: 'enforced' },
};
