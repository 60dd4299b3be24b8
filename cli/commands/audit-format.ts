/**
 * How `caredesk audit` prints events: one line each, newest first, with the
 * acting agent's name and what the event says, in words a supervisor reads.
 */
import type { DomainEvent } from '../../core/index.js';

export interface AuditInput {
  readonly events: readonly DomainEvent[];
  readonly nextCursor: string | null;
  /** Agent ids to names (the team as it is now: a removed agent shows as their id). */
  readonly names: ReadonlyMap<string, string>;
}

/** Fields shown for what they are elsewhere in the line, or too long to help in a table. */
const SHOWN_APART = new Set(['subjectId']);

export function formatAuditTable({ events, nextCursor, names }: AuditInput): string {
  if (events.length === 0) return 'No events match.\n';
  const name = (id: string | undefined): string => (id === undefined ? '—' : (names.get(id) ?? id));
  const rows = events.map((e) => [
    e.at.replace(/\.\d{3}Z$/, 'Z'),
    e.type,
    name(e.agentId),
    describeTarget(e, name),
    describeData(e.data),
  ]);
  const header = ['AT', 'EVENT', 'BY', 'ON', 'DETAILS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const more = nextCursor === null ? '' : `\nOlder events: the same command with --cursor ${nextCursor}\n`;
  return `${[line(header), ...rows.map(line)].join('\n')}\n${more}`;
}

export function formatAuditJson({ events, nextCursor }: AuditInput): string {
  return `${JSON.stringify({ events, nextCursor }, null, 2)}\n`;
}

/** Whom or what the event is about: an agent (by name), a conversation, a customer. */
function describeTarget(e: DomainEvent, name: (id: string) => string): string {
  const subject = e.data.subjectId;
  if (typeof subject === 'string') return `agent ${name(subject)}`;
  if (e.conversationId !== undefined) return `conversation ${e.conversationId}`;
  if (e.customerId !== undefined) return `customer ${e.customerId}`;
  return '';
}

function describeData(data: Readonly<Record<string, unknown>>): string {
  return Object.entries(data)
    .filter(([key, value]) => !SHOWN_APART.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ')
    .replace(/[\r\n\t]+/g, ' ')
    .slice(0, 200);
}
