import { Text } from 'ink';
import { useKeys } from '../hooks/use-keys.js';
import { truncate } from '../text.js';

/** A dangerous action asks first: `y` does it, anything else does not. */
export function Confirm(props: {
  readonly question: string;
  readonly onAnswer: (yes: boolean) => void;
  readonly width: number;
}): React.JSX.Element {
  useKeys((name) => props.onAnswer(name === 'y' || name === 'Y'));
  return (
    <Text color="yellow" bold wrap="truncate-end">
      {truncate(`${props.question} (y/N)`, props.width)}
    </Text>
  );
}
