/**
 * Runs tasks one at a time per key, different keys concurrently. This is how
 * one conversation's messages are processed strictly in order while other
 * conversations go on.
 */
/**
 * One task at a time per key. In one process that is a KeyedMutex; with
 * several processes on one database it also holds the key across them
 * (core/store/postgres/coordinator.ts), so the desk's code takes locks the
 * same way whichever it is given.
 */
export interface Locks {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

export class KeyedMutex implements Locks {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  get size(): number {
    return this.tails.size;
  }
}
