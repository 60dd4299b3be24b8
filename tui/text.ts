/**
 * Display-width text helpers. A terminal cell is not a character: CJK and
 * most emoji take two cells, combining marks and ZWJ sequences none of their
 * own, so columns are measured with string-width (what Ink itself uses) over
 * grapheme clusters, never with `.length`. Inputs are sanitised text.
 */
import stringWidth from 'string-width';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Columns the text takes on screen. */
export function displayWidth(text: string): number {
  return PRINTABLE_ASCII.test(text) ? text.length : stringWidth(text);
}

function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** At most `width` columns; an ellipsis marks a cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (PRINTABLE_ASCII.test(text)) return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
  if (stringWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const g of graphemes(text)) {
    const w = stringWidth(g);
    if (used + w > width - 1) break;
    out += g;
    used += w;
  }
  return `${out}…`;
}

/** Exactly `width` columns: cut or padded with spaces (on the left for `align: 'right'`). */
export function fitTo(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = truncate(text, width);
  const pad = ' '.repeat(Math.max(0, width - displayWidth(cut)));
  return align === 'right' ? pad + cut : cut + pad;
}

/**
 * Lines of at most `width` columns: breaks at spaces when it can, inside a
 * word when it must (CJK has no spaces), keeps the text's own newlines.
 */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    if (displayWidth(paragraph) <= w) {
      lines.push(paragraph);
      continue;
    }
    let line = '';
    let used = 0;
    let lastSpace = -1;
    for (const g of graphemes(paragraph)) {
      const gw = stringWidth(g);
      if (used + gw > w) {
        if (g === ' ') {
          lines.push(line);
          line = '';
          used = 0;
          lastSpace = -1;
          continue;
        }
        if (lastSpace > 0) {
          lines.push(line.slice(0, lastSpace));
          line = line.slice(lastSpace + 1);
        } else {
          lines.push(line);
          line = '';
        }
        used = displayWidth(line);
        lastSpace = -1;
      }
      if (g === ' ') lastSpace = line.length;
      line += g;
      used += gw;
    }
    lines.push(line);
  }
  return lines;
}

/** 95 → "1m35s", 4000 → "1h06", negative → with a minus sign. Compact, for narrow columns. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const s = Math.floor(Math.abs(ms) / 1000);
  if (s < 60) return `${sign}${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${sign}${m}m${String(s % 60).padStart(2, '0')}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${sign}${h}h${String(m % 60).padStart(2, '0')}`;
  return `${sign}${Math.floor(h / 24)}d`;
}

/** "14:05" in the local time zone; the date too when not today. */
export function formatClock(iso: string, now: Date): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '?';
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return d.toDateString() === now.toDateString() ? hm : `${d.getMonth() + 1}/${d.getDate()} ${hm}`;
}
