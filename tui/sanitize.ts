/**
 * Every piece of text the server hands us (customer messages above all) is
 * untrusted: a customer can type escape sequences that would move the
 * cursor, retitle the window (OSC), hide text, write hyperlinks or reorder
 * what the supervisor reads (bidi overrides, "Trojan source"). Everything
 * shown on screen goes through here first; nothing of a sequence survives,
 * so no half-sequence can combine with the next piece of text.
 */

// Sequences first, so that their parameters go with them: ESC [ … final (CSI), ESC ] … BEL/ST (OSC),
// ESC P/X/^/_ … ST (DCS, SOS, PM, APC), their 8-bit C1 forms, then ESC + one character (Fe/Fs/Fp, charset).
// An unterminated string sequence swallows the rest: a terminal would have done the same.
const SEQUENCES = new RegExp(
  [
    '(?:\\x1b\\[|\\x9b)[\\x20-\\x3f]*[\\x40-\\x7e]?',
    '(?:\\x1b[\\]PX^_]|[\\x9d\\x90\\x98\\x9e\\x9f])[\\s\\S]*?(?:\\x07|\\x1b\\\\|\\x9c|$)',
    '\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]?',
  ].join('|'),
  'g',
);

// C0 controls except tab and newline, DEL, C1, and the bidi embeddings, overrides, isolates and marks.
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufff9-\ufffb]/g;
// A lone surrogate cannot be drawn; some terminals print garbage for it.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Server text made safe to print: escape sequences and controls removed, newlines kept, tabs as spaces. */
export function sanitize(text: string | undefined | null): string {
  if (text === undefined || text === null || text === '') return '';
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u2028\u2029\x85]/g, '\n')
    .replace(SEQUENCES, '')
    .replace(/\t/g, '    ')
    .replace(CONTROLS, '')
    .replace(LONE_SURROGATE, '\ufffd');
}

/** For one-line places (table cells, titles, the status bar): like sanitize, with line breaks as spaces. */
export function sanitizeLine(text: string | undefined | null): string {
  return sanitize(text).replace(/\n+/g, ' ');
}
