/**
 * Lookups of one kind share a query: while one is under way, the keys asked
 * for meanwhile wait and go together in the next (`= ANY($1)`), as writes
 * share a group commit. Under load a message's few lookups cost a fraction of
 * a round trip each instead of a pool connection each; alone, a lookup goes
 * at once. Nothing is cached: every answer is read after it was asked for,
 * so it sees every commit that resolved before.
 */

interface Waiting<K, V> {
  readonly key: K;
  readonly resolve: (value: V | undefined) => void;
  readonly reject: (err: unknown) => void;
}

/** Keys per query at most: the parameter arrays stay small. */
const MAX_KEYS = 500;

export class ReadBatcher<K, V> {
  private waiting: Array<Waiting<K, V>> = [];
  private running = false;

  /**
   * `fetch` answers many keys at once, by `idOf(key)`; a key it has no answer
   * for is undefined.
   */
  constructor(
    private readonly fetch: (keys: readonly K[]) => Promise<Map<string, V>>,
    private readonly idOf: (key: K) => string,
  ) {}

  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.slice(0, MAX_KEYS);
        this.waiting = this.waiting.slice(group.length);
        const keys = new Map<string, K>();
        for (const w of group) keys.set(this.idOf(w.key), w.key);
        try {
          const found = await this.fetch([...keys.values()]);
          for (const w of group) w.resolve(found.get(this.idOf(w.key)));
        } catch (err) {
          for (const w of group) w.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
