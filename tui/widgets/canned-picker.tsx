import { Box, Text } from 'ink';
import { useState } from 'react';
import type { Canned } from '../client.js';
import { useKeys } from '../hooks/use-keys.js';
import { sanitizeLine } from '../sanitize.js';
import { fitTo, truncate } from '../text.js';

/** `1`, or words of the title or text: the canned responses that match, best first. */
export function matchCanned(canned: readonly Canned[], query: string): Canned[] {
  const q = query.trim().toLowerCase();
  if (q === '') return [...canned];
  const n = Number(q);
  if (Number.isInteger(n) && n >= 1 && n <= canned.length) return [canned[n - 1]!];
  const words = q.split(/\s+/);
  const score = (c: Canned): number => {
    const title = c.title.toLowerCase();
    if (title === q) return 3;
    if (words.every((w) => title.includes(w))) return 2;
    return words.every((w) => `${title} ${c.text.toLowerCase()}`.includes(w)) ? 1 : 0;
  };
  return canned
    .map((c) => [c, score(c)] as const)
    .filter(([, s]) => s > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([c]) => c);
}

export interface CannedPickerProps {
  readonly canned: readonly Canned[] | undefined;
  readonly error: string | undefined;
  readonly width: number;
  readonly height: number;
  readonly onPick: (canned: Canned) => void;
  readonly onCancel: () => void;
}

/** ctrl+r: type to narrow, up/down to choose, enter inserts, esc leaves. */
export function CannedPicker(props: CannedPickerProps): React.JSX.Element {
  const [query, setQuery] = useState('');
  const [index, setIndex] = useState(0);
  const list = matchCanned(props.canned ?? [], query);
  const at = Math.min(index, Math.max(0, list.length - 1));
  useKeys((name, input) => {
    if (name === 'esc') props.onCancel();
    else if (name === 'enter') {
      const c = list[at];
      if (c) props.onPick(c);
    } else if (name === 'down' || name === 'ctrl+n') setIndex(Math.min(at + 1, list.length - 1));
    else if (name === 'up' || name === 'ctrl+p') setIndex(Math.max(at - 1, 0));
    else if (name === 'backspace' || name === 'delete') setQuery((q) => q.slice(0, -1));
    else if (input.length > 0 && !name.startsWith('ctrl+') && name.length === input.length) {
      setQuery((q) => q + input);
      setIndex(0);
    }
  });
  const rows = Math.max(1, props.height - 2);
  const start = Math.max(0, Math.min(at - rows + 1, list.length - rows));
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <Text bold color="cyan" wrap="truncate-end">
        {truncate(`Canned responses ${query ? `matching "${sanitizeLine(query)}"` : '(type to narrow)'}`, props.width)}
      </Text>
      {props.error ? <Text color="red">{props.error}</Text> : null}
      {props.canned === undefined && !props.error ? <Text dimColor>loading…</Text> : null}
      {props.canned !== undefined && list.length === 0 ? <Text dimColor>no canned response matches</Text> : null}
      {list.slice(start, start + rows).map((c, i) => {
        const n = (props.canned ?? []).indexOf(c) + 1;
        const line = `${fitTo(String(n), 3, 'right')} ${fitTo(sanitizeLine(c.title), 20)} ${sanitizeLine(c.text)}`;
        return (
          <Text key={c.id} inverse={start + i === at} wrap="truncate-end">
            {truncate(line, props.width)}
          </Text>
        );
      })}
    </Box>
  );
}
