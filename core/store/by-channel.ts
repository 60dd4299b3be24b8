/** A two-level index: no composite `channel NUL id` string per entry, the id's own string is the key. */
/** Values by channel, then by a key of that channel. */
export class ByChannel<V> {
  private readonly maps = new Map<string, Map<string, V>>();
  /** Kept by the owner when it counts entries (the dedupe window). */
  size = 0;

  of(channel: string): Map<string, V> {
    let byKey = this.maps.get(channel);
    if (!byKey) {
      byKey = new Map();
      this.maps.set(channel, byKey);
    }
    return byKey;
  }

  get(channel: string, key: string): V | undefined {
    return this.maps.get(channel)?.get(key);
  }

  set(channel: string, key: string, value: V): void {
    this.of(channel).set(key, value);
  }

  delete(channel: string, key: string): void {
    this.maps.get(channel)?.delete(key);
  }

  channels(): IterableIterator<[string, Map<string, V>]> {
    return this.maps.entries();
  }
}
