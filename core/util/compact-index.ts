/**
 * Keys to sets of ids, for indexes where most keys have one id (a customer's
 * conversations): one id is kept as the string itself, several as an array.
 * A Set per key costs far more than the one id most keys hold.
 */
export class CompactIndex {
  private readonly ids = new Map<string, string | string[]>();

  add(key: string, id: string): void {
    const ids = this.ids.get(key);
    if (ids === undefined) this.ids.set(key, id);
    else if (typeof ids === 'string') {
      if (ids !== id) this.ids.set(key, [ids, id]);
    } else if (!ids.includes(id)) ids.push(id);
  }

  delete(key: string, id: string): void {
    const ids = this.ids.get(key);
    if (ids === undefined) return;
    if (typeof ids === 'string') {
      if (ids === id) this.ids.delete(key);
      return;
    }
    const rest = ids.filter((other) => other !== id);
    if (rest.length === 0) this.ids.delete(key);
    else this.ids.set(key, rest.length === 1 ? (rest[0] as string) : rest);
  }

  get(key: string): readonly string[] {
    const ids = this.ids.get(key);
    return ids === undefined ? [] : typeof ids === 'string' ? [ids] : ids;
  }
}
