// Which order-service version answered, per kind of request (normal / user-type: beta): running totals plus a sliding window that shows a weight change quickly.

export type RequestClass = 'normal' | 'beta';

export interface Outcome {
  readonly cls: RequestClass;
  /** The order-service version that answered, or null when the request failed. */
  readonly version: string | null;
}

export interface ClassCounts {
  /** Version → count, over the whole run. */
  readonly total: ReadonlyMap<string, number>;
  /** Version → count, over the last `windowSize` successful requests of this class. */
  readonly window: ReadonlyMap<string, number>;
  readonly windowSize: number;
  readonly errors: number;
}

export class Tally {
  readonly #windowSize: number;
  readonly #classes = new Map<RequestClass, { total: Map<string, number>; ring: string[]; next: number; errors: number }>();

  constructor(windowSize = 200) {
    this.#windowSize = windowSize;
    for (const c of ['normal', 'beta'] as const) this.#classes.set(c, { total: new Map(), ring: [], next: 0, errors: 0 });
  }

  record(o: Outcome): void {
    const c = this.#classes.get(o.cls)!;
    if (o.version === null) {
      c.errors++;
      return;
    }
    c.total.set(o.version, (c.total.get(o.version) ?? 0) + 1);
    if (c.ring.length < this.#windowSize) c.ring.push(o.version);
    else c.ring[c.next] = o.version;
    c.next = (c.next + 1) % this.#windowSize;
  }

  counts(cls: RequestClass): ClassCounts {
    const c = this.#classes.get(cls)!;
    const window = new Map<string, number>();
    for (const v of c.ring) window.set(v, (window.get(v) ?? 0) + 1);
    return { total: new Map(c.total), window, windowSize: c.ring.length, errors: c.errors };
  }

  /** Successful requests over the whole run, all classes. */
  get succeeded(): number {
    let n = 0;
    for (const c of this.#classes.values()) for (const v of c.total.values()) n += v;
    return n;
  }

  get failed(): number {
    let n = 0;
    for (const c of this.#classes.values()) n += c.errors;
    return n;
  }
}
