import { Text } from 'ink';
import { useKeys } from '../hooks/use-keys.js';
import { sanitize } from '../sanitize.js';
import { displayWidth } from '../text.js';

export interface TextInputProps {
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly onSubmit: (value: string) => void;
  readonly onCancel: () => void;
  /** Tab pressed (completion). */
  readonly onTab?: () => void;
  /** ctrl+<letter> the owner handles (e.g. ctrl+r for canned responses). */
  readonly onCtrl?: (letter: string) => void;
  readonly active: boolean;
  /** Columns available: the tail of a long value stays in view. */
  readonly width: number;
  readonly placeholder?: string;
}

/** One line of typing: printable text appends, backspace deletes, ctrl+u clears, enter submits, esc cancels. */
export function TextInput(props: TextInputProps): React.JSX.Element {
  useKeys(
    (name, input) => {
      if (name === 'enter') props.onSubmit(props.value);
      else if (/[\r\n]/.test(input)) {
        // Typed ahead of Ink (or sent by tmux): the text, then enter.
        props.onSubmit(props.value + sanitize(input.split(/[\r\n]/)[0]));
      } else if (name === 'esc') props.onCancel();
      else if (name === 'tab') props.onTab?.();
      else if (name === 'backspace' || name === 'delete') props.onChange(Array.from(props.value).slice(0, -1).join(''));
      else if (name === 'ctrl+u') props.onChange('');
      else if (name.startsWith('ctrl+')) props.onCtrl?.(name.slice(5));
      else if (input.length > 0 && !['up', 'down', 'left', 'right', 'pgup', 'pgdn', 'home', 'end'].includes(name)) {
        // Pasted text arrives as one input: keep its words, not its control characters.
        props.onChange(props.value + sanitize(input).replace(/\n/g, ' '));
      }
    },
    props.active,
    true,
  );
  const shown = tail(props.value, Math.max(1, props.width - 1));
  return (
    <Text>
      {shown === '' && props.placeholder ? <Text dimColor>{props.placeholder}</Text> : shown}
      {props.active ? <Text inverse> </Text> : null}
    </Text>
  );
}

function tail(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  const chars = Array.from(text);
  let out = '';
  for (let i = chars.length - 1; i >= 0; i--) {
    if (displayWidth(chars[i]! + out) > width - 1) break;
    out = chars[i]! + out;
  }
  return `…${out}`;
}
