// Which LocalRateLimit fields Weft enforces (all of them: the kind exists to be enforced; docs/compatibility.md mirrors this).
import type { FieldRule } from '../kind.ts';

export const LOCAL_RATE_LIMIT_FIELDS: Readonly<Record<string, FieldRule>> = {
  spec: { status: 'enforced' },
};
