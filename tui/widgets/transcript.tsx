import { Box, Text } from 'ink';
import type { AgentView, Message } from '../client.js';
import { sanitize, sanitizeLine } from '../sanitize.js';
import { formatClock, truncate, wrap } from '../text.js';

export interface TranscriptLine {
  readonly key: string;
  readonly text: string;
  readonly color?: string;
  readonly bold?: boolean;
  readonly dim?: boolean;
}

const AUTHOR_COLOR: Readonly<Record<string, string>> = {
  customer: 'cyan',
  bot: 'magenta',
  agent: 'green',
  system: 'gray',
  note: 'yellow',
};

/**
 * A customer arriving: the Bot Framework's "joined" (conversationUpdate) is stored as a message
 * from the customer with no text and nothing attached. Shown as what it is, not as an empty message.
 */
function isJoin(m: Message): boolean {
  return (
    m.author === 'customer' && !m.internal && !m.editOf && m.attachments.length === 0 && sanitize(m.text).trim() === ''
  );
}

/**
 * The transcript as display lines of at most `width` columns: a heading per
 * message (time, who, and whether it is an internal note), then its text
 * wrapped by display width. Customers, bot, agents and notes each have
 * their colour and label, so a note is never mistaken for a reply.
 */
export function transcriptLines(
  messages: readonly Message[],
  width: number,
  options: { readonly now: Date; readonly customerName: string; readonly agents: ReadonlyMap<string, AgentView> },
): TranscriptLine[] {
  const out: TranscriptLine[] = [];
  for (const m of messages) {
    if (isJoin(m)) {
      out.push({
        key: `${m.id}:h`,
        text: truncate(`${formatClock(m.createdAt, options.now)} ${options.customerName} joined`, width),
        color: AUTHOR_COLOR.system,
        dim: true,
      });
      continue;
    }
    const agentName = m.agentId ? sanitizeLine(options.agents.get(m.agentId)?.name ?? m.agentId) : 'agent';
    const who = m.internal
      ? `note · ${m.author === 'agent' ? agentName : m.author} (internal, not sent)`
      : m.author === 'customer'
        ? `${options.customerName} (customer)`
        : m.author === 'agent'
          ? `${agentName} (agent)`
          : m.author === 'bot'
            ? 'bot'
            : 'system';
    const color = AUTHOR_COLOR[m.internal ? 'note' : m.author];
    const edited = m.editOf ? ' · edited' : '';
    out.push({
      key: `${m.id}:h`,
      text: truncate(`${formatClock(m.createdAt, options.now)} ${who}${edited}`, width),
      color,
      bold: true,
    });
    const body = [
      sanitize(m.text),
      ...m.attachments.map((a) => `[${a.kind}${a.name ? `: ${sanitizeLine(a.name)}` : ''}]`),
    ]
      .filter((t) => t !== '')
      .join('\n');
    const indent = m.internal ? '┃ ' : '  ';
    wrap(body, width - indent.length).forEach((line, i) => {
      out.push({
        key: `${m.id}:${i}`,
        text: indent + line,
        color: m.internal ? 'yellow' : undefined,
        dim: m.author === 'system',
      });
    });
  }
  return out;
}

export interface TranscriptProps {
  readonly lines: readonly TranscriptLine[];
  readonly width: number;
  readonly height: number;
  /** Lines scrolled up from the latest. */
  readonly scroll: number;
}

/** The last lines that fit, or earlier ones when scrolled up. */
export function Transcript({ lines, width, height, scroll }: TranscriptProps): React.JSX.Element {
  const end = Math.max(0, lines.length - scroll);
  const room = scroll > 0 ? height - 1 : height;
  const shown = lines.slice(Math.max(0, end - room), end);
  return (
    <Box flexDirection="column" width={width} height={height}>
      {shown.length === 0 ? <Text dimColor>no messages yet</Text> : null}
      {shown.map((l) => (
        <Text key={l.key} color={l.color} bold={l.bold} dimColor={l.dim} wrap="truncate-end">
          {l.text}
        </Text>
      ))}
      {scroll > 0 ? <Text dimColor>{`… ${scroll} more lines below (G: latest)`}</Text> : null}
    </Box>
  );
}
