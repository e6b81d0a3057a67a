// Zod building blocks for Istio's proto JSON scalars: sized integers, durations, string maps.
import { z } from 'zod';

/** proto int32: an integer that fits 32 signed bits. */
export const int32 = (): z.ZodInt => z.int().min(-2_147_483_648).max(2_147_483_647);
/** proto uint32 (and UInt32Value): an integer in 0 .. 2^32-1. */
export const uint32 = (): z.ZodInt => z.int().min(0).max(4_294_967_295);
/** proto uint64: a non-negative integer (bounded by JavaScript's safe integers). */
export const uint64 = (): z.ZodInt => z.int().min(0);
/** google.protobuf.Duration as Istio writes it in YAML ("3s", "1.5s", "1h30m"); checked by rules/durations.ts. */
export const duration = (): z.ZodString => z.string();
/** map<string, string>. */
export const stringMap = (): z.ZodRecord<z.ZodString, z.ZodString> => z.record(z.string(), z.string());
