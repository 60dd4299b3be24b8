/**
 * The KPI report as people read it (a table for 80 columns), as spreadsheets
 * read it (CSV, one row per group) and as programs read it (JSON, the figures
 * as computed: milliseconds and ratios).
 */
import type { KpiSummary, Kpis } from '../../core/index.js';

export interface ReportInput {
  readonly summary: KpiSummary;
  /** Agent names by id (for --by agent); an id not here is shown as it is (`bot`, a removed agent). */
  readonly names: ReadonlyMap<string, string>;
  /** The window as asked, e.g. `7d`, for the title. */
  readonly sinceLabel?: string;
}

interface Line {
  readonly label: string;
  readonly csv: string;
  readonly show: (k: Kpis) => string;
  readonly value: (k: Kpis) => number | null;
}

const round = (x: number | null, digits: number): number | null => (x === null ? null : Number(x.toFixed(digits)));
const seconds = (ms: number | null): number | null => round(ms === null ? null : ms / 1000, 3);
const percent = (ratio: number | null): number | null => round(ratio === null ? null : ratio * 100, 2);

export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  const pad = (n: number): string => String(n).padStart(2, '0');
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${pad(h % 24)}h`;
}

const showPercent = (ratio: number | null): string => (ratio === null ? '-' : `${(ratio * 100).toFixed(1)}%`);
const showAverage = (x: number | null): string => (x === null ? '-' : x.toFixed(2));

const LINES: readonly Line[] = [
  { label: 'Conversations', csv: 'conversations', show: (k) => String(k.conversations), value: (k) => k.conversations },
  {
    label: 'First response, median',
    csv: 'first_response_median_s',
    show: (k) => formatDuration(k.firstResponseMs.median),
    value: (k) => seconds(k.firstResponseMs.median),
  },
  {
    label: 'First response, p90',
    csv: 'first_response_p90_s',
    show: (k) => formatDuration(k.firstResponseMs.p90),
    value: (k) => seconds(k.firstResponseMs.p90),
  },
  {
    label: 'First responses',
    csv: 'first_responses',
    show: (k) => String(k.firstResponseMs.count),
    value: (k) => k.firstResponseMs.count,
  },
  {
    label: 'Average handle time',
    csv: 'average_handle_s',
    show: (k) => formatDuration(k.averageHandleMs),
    value: (k) => seconds(k.averageHandleMs),
  },
  {
    label: 'SLA compliance',
    csv: 'sla_compliance_pct',
    show: (k) => showPercent(k.slaCompliance),
    value: (k) => percent(k.slaCompliance),
  },
  { label: 'Resolved', csv: 'resolved', show: (k) => String(k.resolved), value: (k) => k.resolved },
  {
    label: 'Fully resolved',
    csv: 'fully_resolved',
    show: (k) => String(k.fullyResolved),
    value: (k) => k.fullyResolved,
  },
  {
    label: 'Fully resolved rate',
    csv: 'fully_resolved_pct',
    show: (k) => showPercent(k.fullyResolvedRate),
    value: (k) => percent(k.fullyResolvedRate),
  },
  {
    label: 'Bot containment',
    csv: 'bot_containment_pct',
    show: (k) => showPercent(k.botContainment),
    value: (k) => percent(k.botContainment),
  },
  {
    label: 'Handoff rate',
    csv: 'handoff_rate_pct',
    show: (k) => showPercent(k.handoffRate),
    value: (k) => percent(k.handoffRate),
  },
  {
    label: 'Reopen rate',
    csv: 'reopen_rate_pct',
    show: (k) => showPercent(k.reopenRate),
    value: (k) => percent(k.reopenRate),
  },
  {
    label: 'CSAT, average',
    csv: 'csat_average',
    show: (k) => showAverage(k.csat.average),
    value: (k) => round(k.csat.average, 4),
  },
  { label: 'CSAT answers', csv: 'csat_answers', show: (k) => String(k.csat.count), value: (k) => k.csat.count },
];

const EFFORT: Line = {
  label: 'Customer effort, average',
  csv: 'effort_average',
  show: (k) => showAverage(k.effortAverage),
  value: (k) => round(k.effortAverage, 4),
};

/** One line per CSAT score: 1–5 always, and any other score given (highest first in the table). */
function csatLines(summary: KpiSummary): Line[] {
  const scores = new Set(['1', '2', '3', '4', '5']);
  for (const k of [...Object.values(summary.groups), summary.all]) {
    for (const score of Object.keys(k?.csat.distribution ?? {})) scores.add(score);
  }
  return [...scores]
    .sort((a, b) => Number(a) - Number(b))
    .map((score) => ({
      label: `  CSAT ${score}`,
      csv: `csat_${score}`,
      show: (k: Kpis) => String(k.csat.distribution[score] ?? 0),
      value: (k: Kpis) => k.csat.distribution[score] ?? 0,
    }));
}

const linesOf = (summary: KpiSummary, highestFirst: boolean): Line[] => {
  const csat = csatLines(summary);
  return [...LINES, ...(highestFirst ? csat.reverse() : csat), EFFORT];
};

/** An agent's name; two agents of the same name get the end of their ids to tell them apart. */
function groupTitle(input: ReportInput, key: string): string {
  const name = input.summary.by === 'agent' ? input.names.get(key) : undefined;
  if (name === undefined) return key;
  const namesakes = Object.keys(input.summary.groups).filter((k) => input.names.get(k) === name);
  return namesakes.length > 1 ? `${name} ${key.slice(-4)}` : name;
}

const WIDTH = 80;
const LABEL = 24;
const MAX_COLUMN = 14;

/** KPIs down, groups across (and `all` last); groups that do not fit in 80 columns go on in another block. */
export function formatTable(input: ReportInput): string {
  const { summary } = input;
  const when = summary.since.slice(0, 16).replace('T', ' ');
  const window = input.sinceLabel ? ` (last ${input.sinceLabel})` : '';
  const title = `KPIs of conversations opened since ${when} UTC${window}, by ${summary.by}`;
  if (!summary.all) return `${title}\n\nNo conversations were opened in this window.\n`;
  const lines = linesOf(summary, true);
  const columns = [
    ...Object.entries(summary.groups).map(([key, k]) => ({ title: groupTitle(input, key), k })),
    { title: 'all', k: summary.all },
  ].map((c) => {
    const cells = lines.map((l) => l.show(c.k));
    const width = Math.min(MAX_COLUMN, Math.max(7, c.title.length, ...cells.map((s) => s.length)));
    const title = c.title.length > width ? `${c.title.slice(0, width - 1)}…` : c.title;
    return { title, cells, width };
  });
  const blocks: (typeof columns)[] = [];
  let used = WIDTH;
  for (const c of columns) {
    if (used + 2 + c.width > WIDTH) {
      blocks.push([]);
      used = LABEL;
    }
    blocks[blocks.length - 1]!.push(c);
    used += 2 + c.width;
  }
  const render = (block: typeof columns): string[] => [
    `${''.padEnd(LABEL)}${block.map((c) => `  ${c.title.padStart(c.width)}`).join('')}`,
    ...lines.map(
      (l, i) => `${l.label.padEnd(LABEL)}${block.map((c) => `  ${c.cells[i]!.padStart(c.width)}`).join('')}`,
    ),
  ];
  const notes = [
    'SLA compliance: the share of human-handled cases without a breach.',
    'Fully resolved: no reopen and no new contact from the customer within 7 days',
    '(provisional for cases resolved in the last 7 days).',
  ];
  return `${[title, '', ...blocks.flatMap((b, i) => [...(i > 0 ? [''] : []), ...render(b)]), '', ...notes].join('\n')}\n`;
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One row per group, with a header; times in seconds, rates in percent, an empty cell where there is no figure. */
export function formatCsv(input: ReportInput): string {
  const { summary } = input;
  const lines = linesOf(summary, false);
  const keys = summary.by === 'agent' ? ['agent_id', 'agent_name'] : ['channel'];
  const header = [...keys, ...lines.map((l) => l.csv)];
  const rows = Object.entries(summary.groups).map(([key, k]) => [
    key,
    ...(summary.by === 'agent' ? [input.names.get(key) ?? key] : []),
    ...lines.map((l) => l.value(k)),
  ]);
  return `${[header, ...rows].map((r) => r.map(csvField).join(',')).join('\n')}\n`;
}

/** The figures as computed (milliseconds, ratios 0–1), with agent names beside their ids. */
export function formatJson(input: ReportInput): string {
  const { summary, names } = input;
  const named = Object.keys(summary.groups).flatMap((id) => (names.has(id) ? [[id, names.get(id)!] as const] : []));
  const agents = summary.by === 'agent' ? { agents: Object.fromEntries(named) } : {};
  return `${JSON.stringify({ ...summary, ...agents }, null, 2)}\n`;
}
