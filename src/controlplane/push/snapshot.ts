/**
 * The version of a compiled config is a short sha256 of its canonical JSON (object keys sorted),
 * so equal content always gets the equal version — across pushes and across control-plane
 * restarts — and "same version" means "nothing to send".
 */
import { createHash } from 'node:crypto';
import type { ProxyConfig } from '../../model/proxy-config.ts';

export type { CompiledConfig } from '../compile/index.ts';
import type { CompiledConfig } from '../compile/index.ts';

/** Hex digits kept from the sha256: 64 bits, ample to tell one proxy's configs apart. */
const VERSION_LENGTH = 16;

/** JSON with every object's keys in sorted order, so the text depends only on the content. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

export function configVersion(config: CompiledConfig): string {
  const { version: _ignored, ...content } = config as CompiledConfig & { version?: unknown };
  return createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, VERSION_LENGTH);
}

/** The config as sent: the compiled content with its version. */
export function snapshotOf(config: CompiledConfig): ProxyConfig {
  const version = configVersion(config);
  return { ...config, version };
}
