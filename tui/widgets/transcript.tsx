import { Box, Text } from 'ink';
import type { AgentView, Message, Undelivered } from '../client.js';
import { sanitize, sanitizeLine } from '../sanitize.js';
import { describeAttachment } from '../state/attachments.js';
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

/** Lines a delivery problem may take under its reply: the channel's answer can be long (up to 1 KB). */
const MAX_PROBLEM_LINES = 3;

/**
 * A reply the channel has not delivered, under it: in red when the desk gave up
 * (a supervisor can resend it), dim while it is still being tried after a failure.
 * A reply simply on its way (no attempt failed yet) shows nothing.
 */
function deliveryProblem(u: Undelivered | undefined): Pick<TranscriptLine, 'text' | 'color' | 'dim'> | undefined {
  if (!u) return undefined;
  const reason = sanitizeLine(u.lastError).trim();
  if (u.status === 'failed') return { text: `✗ not delivered: ${reason || 'no reason given'}`, color: 'red' };
  if (u.attempts > 0) {
    const tries = `${u.attempts} attempt${u.attempts === 1 ? '' : 's'}`;
    return { text: `… retrying (${tries})${reason ? `: ${reason}` : ''}`, dim: true };
  }
  // Resent after a failure: its first new attempt has not happened yet.
  return reason ? { text: `… sending again (last answer: ${reason})`, dim: true } : undefined;
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
  options: {
    readonly now: Date;
    readonly customerName: string;
    readonly agents: ReadonlyMap<string, AgentView>;
    /** The conversation's replies not delivered (yet). */
    readonly undelivered?: readonly Undelivered[];
  },
): TranscriptLine[] {
  const out: TranscriptLine[] = [];
  const undelivered = new Map(options.undelivered?.map((u) => [u.messageId, u]));
  // Files are numbered through the conversation: `o` (or `:open-file <n>`) opens one by its number.
  let files = 0;
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
    const body = [sanitize(m.text), ...m.attachments.map((a) => `[${describeAttachment(a, ++files)}]`)]
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
    const problem = deliveryProblem(undelivered.get(m.id));
    if (problem) {
      const lines = wrap(problem.text, width - indent.length);
      const shown = lines.slice(0, MAX_PROBLEM_LINES);
      if (lines.length > MAX_PROBLEM_LINES)
        shown[MAX_PROBLEM_LINES - 1] = truncate(`${shown.at(-1)!}…`, width - indent.length);
      shown.forEach((line, i) => {
        out.push({ key: `${m.id}:d${i}`, text: indent + line, color: problem.color, dim: problem.dim });
      });
    }
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
