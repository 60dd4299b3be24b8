import { Box, Text } from 'ink';
import { useKeys } from '../hooks/use-keys.js';
import { GLOBAL_KEYS, type KeyBinding, keyLabel } from '../keymap.js';
import { fitTo, truncate } from '../text.js';

export interface HelpOverlayProps {
  readonly title: string;
  readonly bindings: readonly KeyBinding[];
  readonly width: number;
  readonly height: number;
  readonly onClose: () => void;
}

function line(b: KeyBinding, width: number): string {
  const names = [b.action, ...(b.aliases ?? [])].join(' ');
  const command = `:${names}${b.args ? ` ${b.args}` : ''}`;
  const left = `${fitTo(keyLabel(b), 16)} ${b.description}${b.dangerous ? ' (asks first)' : ''}`;
  const room = width - 3 - command.length;
  return room > 30 ? `${fitTo(left, room)} ${command}` : truncate(left, width - 2);
}

/** `?`: every key of this screen and the global ones, with their commands. Any key closes it. */
export function HelpOverlay({ title, bindings, width, height, onClose }: HelpOverlayProps): React.JSX.Element {
  useKeys(() => onClose());
  const own = bindings.filter((b) => !GLOBAL_KEYS.some((g) => g === b));
  const lines: Array<{ text: string; heading?: boolean }> = [
    { text: `Keys on the ${title}`, heading: true },
    ...own.map((b) => ({ text: line(b, width) })),
    { text: 'Everywhere', heading: true },
    ...GLOBAL_KEYS.map((b) => ({ text: line(b, width) })),
  ];
  const room = Math.max(1, height - 1);
  const fitting =
    lines.length > room ? [...lines.slice(0, room - 1), { text: '… (a taller terminal shows all)' }] : lines;
  // Line numbers are the keys: the list is rebuilt whole, never reordered.
  const shown = fitting.map((l, n) => ({ ...l, key: String(n) }));
  return (
    <Box flexDirection="column" width={width} height={height}>
      {shown.map((l) => (
        <Text key={l.key} bold={l.heading} color={l.heading ? 'cyan' : undefined} wrap="truncate-end">
          {l.heading ? l.text : `  ${l.text}`}
        </Text>
      ))}
      <Text dimColor>any key closes this help</Text>
    </Box>
  );
}
