// Compile-time checks that a zod schema and the hand-written contract type describe the same fields.

/** Compiles only when T is assignable to U: `z.infer` of a schema must be usable as the contract type. */
export type AssertAssignable<T extends U, U> = T;

/** `true` when A and B have exactly the same field names, else the names that differ. */
export type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : { readonly onlyInSchema: Exclude<keyof A, keyof B>; readonly onlyInType: Exclude<keyof B, keyof A> };

/**
 * Compiles only when every SameKeys in the list is `true`; otherwise the compiler error shows the
 * differing field names. Written as `export type _X = AllSame<[SameKeys<…>, …]>`.
 */
export type AllSame<T extends readonly unknown[] & (Exclude<T[number], true> extends never ? unknown : never)> = T;
