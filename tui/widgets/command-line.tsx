import { Box, Text } from 'ink';
import { useState } from 'react';
import { completeCommand, completion, type KeyBinding } from '../keymap.js';
import { truncate } from '../text.js';
import { TextInput } from './text-input.js';

export interface CommandLineProps {
  readonly bindings: readonly KeyBinding[];
  readonly width: number;
  readonly onRun: (line: string) => void;
  readonly onCancel: () => void;
}

/** `:` like k9s: an action by its name or alias, with arguments; tab completes the name. */
export function CommandLine({ bindings, width, onRun, onCancel }: CommandLineProps): React.JSX.Element {
  const [value, setValue] = useState('');
  const word = value.trimStart().split(/\s+/)[0] ?? '';
  const candidates = value.includes(' ') ? [] : completeCommand(bindings, word);
  return (
    <Box flexDirection="column" width={width}>
      <Box>
        <Text color="cyan" bold>
          :
        </Text>
        <TextInput
          value={value}
          onChange={setValue}
          onSubmit={(v) => (v.trim() === '' ? onCancel() : onRun(v.trim()))}
          onCancel={onCancel}
          onTab={() => setValue(completion(candidates, word))}
          active
          width={width - 1}
        />
      </Box>
      <Text dimColor wrap="truncate-end">
        {truncate(candidates.length > 0 ? candidates.join(' ') : 'enter runs, esc cancels', width)}
      </Text>
    </Box>
  );
}
