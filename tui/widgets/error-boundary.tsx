import { Box, Text } from 'ink';
import { Component, type ReactNode } from 'react';

interface State {
  readonly error: Error | undefined;
}

/**
 * A render error shows what failed and how to leave instead of a stack
 * trace over a half-drawn screen (Ink's own boundary would exit).
 */
export class ErrorBoundary extends Component<{ readonly children: ReactNode }, State> {
  override state: State = { error: undefined };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <Box flexDirection="column" borderStyle="round" borderColor="red" paddingX={1}>
        <Text color="red" bold>
          caredesk tui hit a bug and stopped drawing this screen.
        </Text>
        <Text>{this.state.error.message.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ')}</Text>
        <Text dimColor>Press ctrl+c to quit, then start caredesk tui again. Please report the message above.</Text>
      </Box>
    );
  }
}
