/**
 * A record's collection or id as a column keeps it: PostgreSQL text cannot
 * hold a NUL, which some keys use as a separator (a channel and a chat id),
 * so `\` and NUL are escaped (`\\`, `\0`), one way back.
 */
export const recordKey = (key: string): string =>
  key.includes('\u0000') || key.includes('\\') ? key.replace(/\\/g, '\\\\').replace(/\u0000/g, '\\0') : key;
export const keyOfRecord = (stored: string): string =>
  stored.includes('\\') ? stored.replace(/\\(\\|0)/g, (_, c: string) => (c === '0' ? '\u0000' : '\\')) : stored;
