/**
 * `caredesk report`: the desk's KPIs over a window, per channel or per agent,
 * as a table, CSV or JSON — from the store itself, or from the server that
 * owns the data directory.
 */
import { Command } from 'commander';
import { DurationSchema, KPI_GROUPINGS, type KpiGrouping } from '../../core/index.js';
import { type DeskFlags, helpAboutDataDir, inputProblems, withDesk, withDeskOptions } from './desk-options.js';
import { formatCsv, formatJson, formatTable, type ReportInput } from './report-format.js';

const FORMATS = ['table', 'csv', 'json'] as const;
type Format = (typeof FORMATS)[number];

interface ReportFlags extends DeskFlags {
  since: string;
  by: string;
  format: string;
}

const FORMATTERS: Record<Format, (input: ReportInput) => string> = {
  table: formatTable,
  csv: formatCsv,
  json: formatJson,
};

export function reportCommand(): Command {
  return withDeskOptions(
    new Command('report')
      .description(
        'KPIs of the conversations opened in a window, per channel or per agent: response and handle times, SLA compliance, resolution, bot containment, CSAT, effort.',
      )
      .option(
        '--since <when>',
        'start of the window: a duration back from now (12h, 7d, 4w) or a date (2026-01-31)',
        '7d',
      )
      .option('--by <group>', 'one column (or CSV row) per channel or per agent: channel or agent', 'channel')
      .option('--format <format>', 'table (for people), csv (spreadsheets) or json (programs)', 'table'),
  )
    .addHelpText(
      'after',
      `
Examples:
  caredesk report                                  # last 7 days, per channel, as a table
  caredesk report --since 30d --by agent
  caredesk report --since 2026-01-01 --format csv > january.csv

--by agent groups a conversation under the agent who owned it last ("bot" when
no person did). Table and CSV show times as durations and seconds, rates in
percent; JSON has the figures as computed (milliseconds, ratios from 0 to 1).
${helpAboutDataDir}`,
    )
    .action(async (flags: ReportFlags) => {
      const now = new Date();
      const { since, by, format } = parseReportFlags(flags, now);
      const input = await withDesk(flags, {}, async (ops): Promise<ReportInput> => {
        const summary = await ops.kpis(since, by);
        const names = by === 'agent' ? new Map((await ops.listAgents()).map((a) => [a.id, a.name])) : new Map();
        return { summary, names, sinceLabel: isDuration(flags.since) ? flags.since.trim() : undefined };
      });
      process.stdout.write(FORMATTERS[format](input));
    });
}

export function parseReportFlags(flags: ReportFlags, now: Date): { since: Date; by: KpiGrouping; format: Format } {
  const problems: string[] = [];
  const since = parseSince(flags.since, now);
  if (typeof since === 'string') problems.push(since);
  const by = KPI_GROUPINGS.find((g) => g === flags.by);
  if (!by) problems.push(`--by is ${JSON.stringify(flags.by)}; expected channel or agent`);
  const format = FORMATS.find((f) => f === flags.format);
  if (!format) problems.push(`--format is ${JSON.stringify(flags.format)}; expected table, csv or json`);
  const error = inputProblems(problems);
  if (error) throw error;
  return { since: since as Date, by: by!, format: format! };
}

const WEEK = 7 * 86_400_000;
const isDuration = (value: string): boolean => /^\s*\d+(ms|s|m|h|d|w)\s*$/.test(value);

/** The start of the window, or what is wrong with the option. */
function parseSince(raw: string, now: Date): Date | string {
  const value = raw.trim();
  const expected =
    'expected a duration back from now (30m, 12h, 7d, 4w) or a date (2026-01-31, or 2026-01-31T09:00:00Z)';
  let start: Date | undefined;
  const weeks = /^(\d+)w$/.exec(value);
  const duration = DurationSchema.safeParse(value);
  if (weeks) start = new Date(now.getTime() - Number(weeks[1]) * WEEK);
  else if (duration.success) start = new Date(now.getTime() - duration.data);
  else if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    // Without a zone, a date or time is UTC, as the report's times are.
    const iso = value.length === 10 ? `${value}T00:00:00` : value.replace(' ', 'T');
    const parsed = new Date(/(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`);
    if (!Number.isNaN(parsed.getTime())) start = parsed;
  }
  if (!start) return `--since is ${JSON.stringify(raw)}; ${expected}`;
  if (start.getTime() > now.getTime()) {
    return `--since is ${JSON.stringify(raw)}, which is in the future; expected a time before now`;
  }
  return start;
}
