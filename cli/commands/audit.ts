/**
 * `caredesk audit`: who did what on the desk, newest first, filtered by agent,
 * event type, conversation and time — from the running server's admin API
 * (GET /admin/v1/audit), with a supervisor's token.
 */
import { Command } from 'commander';
import type { z } from 'zod';
import {
  AgentsAnswerSchema,
  AuditAnswerSchema,
  DurationSchema,
  describeIssues,
  ErrorAnswerSchema,
} from '../../core/index.js';
import { jsonOrUndefined } from '../../core/util/lenient-json.js';
// The config module alone: tui/index.js would load ink and react, which this command has no use for.
import { resolveTuiSettings } from '../../tui/config.js';
import { type AuditInput, formatAuditJson, formatAuditTable } from './audit-format.js';
import { inputProblems } from './desk-options.js';

interface AuditFlags {
  server?: string;
  token?: string;
  agent?: string;
  action?: string;
  conversation?: string;
  since?: string;
  until?: string;
  limit: string;
  cursor?: string;
  json?: boolean;
}

export function auditCommand(): Command {
  return new Command('audit')
    .description(
      'Who did what, newest first: every change on the desk (agents added or changed, tokens rotated, presence, claims, transfers, merges…), from the running server.',
    )
    .option('--agent <id|name>', 'events by this agent, or about them (added, changed, removed)')
    .option('--action <type>', 'event types, comma-separated; agent.* for a family (agent.created,customer.*)')
    .option('--conversation <id>', 'events of this conversation')
    .option('--since <when>', 'from: a duration back from now (30m, 12h, 7d) or a date (2026-01-31, or a date-time)')
    .option('--until <when>', 'until (before): the same forms as --since')
    .option('--limit <n>', 'at most this many events (1–500)', '50')
    .option('--cursor <cursor>', 'the next page: the cursor the previous page printed')
    .option('--json', 'print {events, nextCursor} as JSON, for programs')
    .option('-s, --server <url>', 'caredesk server (overrides CAREDESK_SERVER; default http://127.0.0.1:3978)')
    .option('-t, --token <token>', 'a supervisor’s token (overrides CAREDESK_TOKEN); it is never printed')
    .addHelpText(
      'after',
      `
Examples:
  caredesk audit --since 24h
  caredesk audit --agent Marco --action agent.*
  caredesk audit --conversation cnv_0mwx0… --json

The server and token are found as caredesk tui finds them (flags, then
CAREDESK_SERVER and CAREDESK_TOKEN, then ~/.config/caredesk/tui.json). Only
supervisors may read the audit. See docs/cli.md and docs/api.md#the-audit.`,
    )
    .action(async (flags: AuditFlags) => {
      const now = new Date();
      const params = auditParams(flags, now);
      const settings = await resolveTuiSettings({ server: flags.server, token: flags.token });
      const api = new AuditApi(settings.server, settings.token);
      try {
        const team = (await api.get('/admin/v1/agents', AgentsAnswerSchema)).agents;
        if (flags.agent !== undefined) params.set('agent', agentIdOf(flags.agent, team));
        const page = await api.get(`/admin/v1/audit?${params}`, AuditAnswerSchema);
        const input: AuditInput = { ...page, names: new Map(team.map((a) => [a.id, a.name])) };
        process.stdout.write(flags.json ? formatAuditJson(input) : formatAuditTable(input));
      } catch (err) {
        if (!(err instanceof AuditApiError)) throw err;
        process.stderr.write(`caredesk audit: ${err.message} [${err.code}]\n`);
        process.exitCode = 1;
      }
    });
}

/** The query, but the agent (resolved against the team once the server is asked). */
export function auditParams(flags: AuditFlags, now: Date): URLSearchParams {
  const problems: string[] = [];
  const params = new URLSearchParams();
  if (flags.action !== undefined) params.set('action', flags.action.trim());
  if (flags.conversation !== undefined) params.set('conversation', flags.conversation.trim());
  for (const [flag, name, raw] of [
    ['--since', 'from', flags.since],
    ['--until', 'to', flags.until],
  ] as const) {
    if (raw === undefined) continue;
    const moment = parseMoment(raw, now);
    if (moment === undefined) {
      problems.push(
        `${flag} is ${JSON.stringify(raw)}; expected a duration back from now (30m, 12h, 7d) or a date (2026-01-31, or 2026-01-31T09:00:00Z)`,
      );
    } else params.set(name, moment.toISOString());
  }
  if (!/^\d{1,3}$/.test(flags.limit.trim()) || Number(flags.limit) < 1 || Number(flags.limit) > 500) {
    problems.push(`--limit is ${JSON.stringify(flags.limit)}; expected a whole number from 1 to 500`);
  } else params.set('limit', String(Number(flags.limit)));
  if (flags.cursor !== undefined) params.set('cursor', flags.cursor.trim());
  const error = inputProblems(problems);
  if (error) throw error;
  return params;
}

/** An id as it is, or the id of the one agent with this name (any case). */
function agentIdOf(given: string, team: ReadonlyArray<{ id: string; name: string }>): string {
  const value = given.trim();
  if (team.some((a) => a.id === value)) return value;
  const named = team.filter((a) => a.name.toLowerCase() === value.toLowerCase());
  if (named.length === 1) return named[0]!.id;
  if (named.length > 1) {
    throw inputProblems([
      `--agent ${JSON.stringify(given)} names ${named.length} agents (${named.map((a) => a.id).join(', ')}); give the id`,
    ])!;
  }
  // A removed agent is no longer in the team, but their events are still in the audit.
  return value;
}

/** A duration back from now, or a date (midnight UTC) or date-time (UTC without a zone). */
function parseMoment(raw: string, now: Date): Date | undefined {
  const value = raw.trim();
  const weeks = /^(\d+)w$/.exec(value);
  if (weeks) return new Date(now.getTime() - Number(weeks[1]) * 7 * 86_400_000);
  const duration = DurationSchema.safeParse(value);
  if (duration.success) return new Date(now.getTime() - duration.data);
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) return undefined;
  const iso = value.length === 10 ? `${value}T00:00:00` : value.replace(' ', 'T');
  const date = new Date(/(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The server refused (its code: E_FORBIDDEN, E_UNAUTHORIZED…), could not be reached (E_UNREACHABLE) or answered nonsense (E_BAD_RESPONSE). */
class AuditApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** GETs on the admin API, each answer parsed with its contract schema; an error answer is thrown with its code. */
class AuditApi {
  constructor(
    private readonly server: string,
    private readonly token: string,
  ) {}

  async get<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
    let res: Response;
    try {
      res = await fetch(`${this.server}${path}`, {
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(60_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new AuditApiError(
        'E_UNREACHABLE',
        `Cannot reach caredesk at ${this.server} (${cause?.code ?? (err as Error).message}). Is caredesk serve running there? Check --server (or CAREDESK_SERVER).`,
      );
    }
    const text = await res.text();
    const json = jsonOrUndefined(text);
    if (!res.ok) {
      const error = ErrorAnswerSchema.safeParse(json);
      if (error.success) throw new AuditApiError(error.data.error.code, error.data.error.message);
      throw new AuditApiError('E_BAD_RESPONSE', `${this.server}${path.split('?')[0]} answered HTTP ${res.status}.`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new AuditApiError(
        'E_BAD_RESPONSE',
        `The server's answer is not what this caredesk expects (${describeIssues(parsed.error.issues)}); run the same caredesk version as the server.`,
      );
    }
    return parsed.data;
  }
}
