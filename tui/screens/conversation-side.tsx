import { Box, Text } from 'ink';
import type { ConversationDetail } from '../client.js';
import { sanitizeLine } from '../sanitize.js';
import { primaryLanguage } from '../state/board.js';
import { formatClock, truncate } from '../text.js';

interface Line {
  readonly text: string;
  readonly heading?: boolean;
  readonly dim?: boolean;
}

/** The customer beside the transcript: who they are on each channel, and what they asked before. */
export function SidePanel(props: {
  readonly detail: ConversationDetail;
  readonly width: number;
  readonly height: number;
  readonly now: Date;
}): React.JSX.Element {
  const { detail, width, height, now } = props;
  const { customer, conversation: c } = detail;
  const lines: Line[] = [
    { text: 'Customer', heading: true },
    { text: sanitizeLine(customer.displayName ?? customer.id) },
    ...(customer.language ? [{ text: `language ${languageLine(customer.language)}`, dim: true }] : []),
    ...customer.identities.map((i) => ({
      text: `${i.channel} ${sanitizeLine(i.displayName ?? i.externalId)}${i.unreachableSince ? ' (unreachable)' : ''}`,
      dim: true,
    })),
    { text: 'Case', heading: true },
    {
      text: `${c.priority}${c.skill ? ` · ${sanitizeLine(c.skill)}` : ''}${c.language ? ` · ${primaryLanguage(c.language)}` : ''}`,
    },
    ...(c.flowState ? [{ text: `flow ${sanitizeLine(c.flow)}: ${sanitizeLine(c.flowState)}`, dim: true }] : []),
    ...(c.handoffReason ? [{ text: `why: ${sanitizeLine(c.handoffReason)}`, dim: true }] : []),
    ...(c.tags.length ? [{ text: `tags ${c.tags.map(sanitizeLine).join(', ')}`, dim: true }] : []),
    { text: `Before (${detail.history.length})`, heading: true },
    ...detail.history.slice(0, 8).map((h) => ({
      text: `${formatClock(h.createdAt, now)} ${h.mode} ${sanitizeLine(h.topic ?? h.channel)}`,
      dim: true,
    })),
  ];
  const shown = lines.slice(0, Math.max(1, height)).map((l, n) => ({ ...l, key: `${n}` }));
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle={undefined}>
      {shown.map((l) => (
        <Text key={l.key} bold={l.heading} color={l.heading ? 'cyan' : undefined} dimColor={l.dim} wrap="truncate-end">
          {truncate(l.text, width)}
        </Text>
      ))}
    </Box>
  );
}

/** "en", or "en (en-GB)" when the channel gave a locale: the language as the board shows it first. */
function languageLine(tag: string): string {
  const primary = primaryLanguage(tag);
  const full = sanitizeLine(tag);
  return full === primary ? primary : `${primary} (${full})`;
}
