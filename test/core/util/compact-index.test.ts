import { describe, expect, it } from 'vitest';
import { CompactIndex } from '../../../core/util/compact-index.js';

describe('CompactIndex', () => {
  it('keeps each key’s ids once, in the order added, and forgets a key with no ids left', () => {
    const index = new CompactIndex();
    expect(index.get('cus_1')).toEqual([]);
    index.add('cus_1', 'a');
    index.add('cus_1', 'a');
    expect(index.get('cus_1')).toEqual(['a']);
    index.add('cus_1', 'b');
    index.add('cus_1', 'c');
    index.add('cus_1', 'b');
    expect(index.get('cus_1')).toEqual(['a', 'b', 'c']);
    index.delete('cus_1', 'b');
    expect(index.get('cus_1')).toEqual(['a', 'c']);
    index.delete('cus_1', 'a');
    expect(index.get('cus_1')).toEqual(['c']);
    index.delete('cus_1', 'x');
    index.delete('cus_2', 'c');
    expect(index.get('cus_1')).toEqual(['c']);
    index.delete('cus_1', 'c');
    expect(index.get('cus_1')).toEqual([]);
    index.add('cus_1', 'd');
    expect(index.get('cus_1')).toEqual(['d']);
  });
});
