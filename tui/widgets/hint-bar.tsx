import { Text } from 'ink';
import { type KeyBinding, keyLabel } from '../keymap.js';
import { displayWidth, truncate } from '../text.js';

/** Never cut: in a narrow terminal `?` is how every other key is found. */
const ALWAYS = new Set(['help', 'command']);
const SEP = '  ';

const hint = (b: KeyBinding): string => `<${b.key || keyLabel(b)}> ${b.action}`;

/**
 * The visible bindings of the screen on one line, `<key> what`, cut to the
 * width; when they do not all fit, the screen's own keys are cut and help
 * and the command line stay at the end.
 */
export function hintLine(bindings: readonly KeyBinding[], width: number): string {
  const visible = bindings.filter((b) => b.visible);
  const all = visible.map(hint).join(SEP);
  if (displayWidth(all) <= width) return all;
  const tail = visible
    .filter((b) => ALWAYS.has(b.action))
    .map(hint)
    .join(SEP);
  const head = visible
    .filter((b) => !ALWAYS.has(b.action))
    .map(hint)
    .join(SEP);
  const room = width - displayWidth(tail) - SEP.length;
  if (tail === '' || room < 10) return truncate(all, width);
  return `${truncate(head, room)}${SEP}${tail}`;
}

export function HintBar({ bindings, width }: { readonly bindings: readonly KeyBinding[]; readonly width: number }) {
  return (
    <Text dimColor wrap="truncate-end">
      {hintLine(bindings, width)}
    </Text>
  );
}
