import { Text } from 'ink';
import { type KeyBinding, keyLabel } from '../keymap.js';
import { truncate } from '../text.js';

/** The visible bindings of the screen on one line, `<key> what`, cut to the width. */
export function HintBar({ bindings, width }: { readonly bindings: readonly KeyBinding[]; readonly width: number }) {
  const text = bindings
    .filter((b) => b.visible)
    .map((b) => `<${b.key || keyLabel(b)}> ${b.action}`)
    .join('  ');
  return (
    <Text dimColor wrap="truncate-end">
      {truncate(text, width)}
    </Text>
  );
}
