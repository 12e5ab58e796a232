interface Entry<T> {
  value: Promise<T>;
  /** requests using the value right now */
  leases: number;
  /** out of the cache: closed as soon as its last lease ends */
  evicted: boolean;
}

/**
 * Keeps up to `capacity` loaded values by key (served runs), least recently used first out.
 * A caller holds a lease for as long as it uses a value, and a value is closed only once it is
 * both out of the cache and unused, so nothing is closed under a request in flight. Callers that
 * ask for a key while it loads share that one load.
 */
export class LeaseCache<T> {
  /** in order of last use, oldest first */
  private readonly entries = new Map<string, Entry<T>>();
  private readonly closing = new Set<Promise<void>>();

  private readonly load: (key: string) => Promise<T>;
  private readonly close: (value: T) => Promise<void>;
  private readonly capacity: number;

  // No parameter properties: the CLI runs on Node's type stripping, which refuses them.
  constructor(load: (key: string) => Promise<T>, close: (value: T) => Promise<void>, capacity: number) {
    this.load = load;
    this.close = close;
    this.capacity = capacity;
  }

  /** Runs `use` with the value of `key` (loading it if needed), holding a lease until it settles. */
  async use<R>(key: string, use: (value: T) => R | Promise<R>): Promise<R> {
    let entry = this.entries.get(key);
    if (entry) this.entries.delete(key);
    else {
      const created: Entry<T> = { value: this.load(key), leases: 0, evicted: false };
      // A failed load is forgotten so the next request tries again.
      created.value.catch(() => this.entries.get(key) === created && this.entries.delete(key));
      entry = created;
    }
    this.entries.set(key, entry);
    entry.leases++;
    this.trim();
    try {
      return await use(await entry.value);
    } finally {
      entry.leases--;
      if (entry.evicted) this.closeIfUnused(entry);
      else this.trim();
    }
  }

  /** Takes `key` out of the cache (its run was deleted); it is closed once unused. */
  evict(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    entry.evicted = true;
    this.closeIfUnused(entry);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Evicts everything and waits for the values no one is using to close. */
  async closeAll(): Promise<void> {
    for (const key of [...this.entries.keys()]) this.evict(key);
    await Promise.all(this.closing);
  }

  /** Evicts the least recently used unleased values while over capacity; leased ones wait for their release. */
  private trim(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.capacity) return;
      if (entry.leases === 0) this.evict(key);
    }
  }

  private closeIfUnused(entry: Entry<T>): void {
    if (entry.leases > 0) return;
    const done = entry.value
      .then((value) => this.close(value))
      // A failed load left nothing to close; a failed close must not fail the request that released it.
      .catch(() => undefined)
      .finally(() => this.closing.delete(done));
    this.closing.add(done);
  }
}
