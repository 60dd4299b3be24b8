import { Box, Text } from 'ink';
import { useCallback, useEffect, useState } from 'react';
import { describeError, type KpiResponse, type Kpis } from '../client.js';
import { sanitizeLine } from '../sanitize.js';
import { fitTo, formatClock, formatDuration, truncate } from '../text.js';
import { sparkline } from '../widgets/sparkline.js';
import { type ScreenProps, screenActions } from './types.js';

export const PERIODS = ['24h', '7d', '30d'] as const;
type Period = (typeof PERIODS)[number];
const REFRESH_MS = 30_000;

const pct = (v: number | null): string => (v === null ? '—' : `${Math.round(v * 100)}%`);
const dur = (v: number | null): string => (v === null ? '—' : formatDuration(v));

const average = (v: number | null): string => (v === null ? '—' : v.toFixed(1));

/** Fits 80 columns with a 13-character name: every KPI a care team is judged on, at a glance. */
const COLUMNS: ReadonlyArray<{ title: string; width: number; value: (k: Kpis) => string }> = [
  { title: 'CASES', width: 5, value: (k) => String(k.conversations) },
  { title: 'FRT p50', width: 7, value: (k) => dur(k.firstResponseMs.median) },
  { title: 'HANDLE', width: 6, value: (k) => dur(k.averageHandleMs) },
  { title: 'SLA', width: 4, value: (k) => pct(k.slaCompliance) },
  { title: 'RESOLVD', width: 7, value: (k) => String(k.resolved) },
  // Resolved with no reopen and no new contact within 7 days, of the resolved ones.
  { title: 'FULLY', width: 5, value: (k) => pct(k.fullyResolvedRate) },
  { title: 'BOT', width: 4, value: (k) => pct(k.botContainment) },
  { title: 'HANDOFF', width: 7, value: (k) => pct(k.handoffRate) },
  { title: 'CSAT', width: 4, value: (k) => average(k.csat.average) },
  // "How easy was it", 1 (very hard) to 5 (very easy).
  { title: 'EFFORT', width: 6, value: (k) => average(k.effortAverage) },
];

function slaColor(v: number | null): string | undefined {
  if (v === null) return undefined;
  return v >= 0.95 ? 'green' : v >= 0.8 ? 'yellow' : 'red';
}

/** KPIs per channel and per agent, SLA compliance, and the message volume of the last hours. */
export function DashboardScreen(props: ScreenProps): React.JSX.Element {
  const { client, width, height, now, agents } = props;
  const [period, setPeriod] = useState<Period>('7d');
  const [data, setData] = useState<{ channel: KpiResponse; agent: KpiResponse }>();
  const [error, setError] = useState<string>();

  const load = useCallback(async () => {
    try {
      const [channel, agent] = await Promise.all([
        client.kpis({ since: period, by: 'channel' }),
        client.kpis({ since: period, by: 'agent' }),
      ]);
      setData({ channel, agent });
      setError(undefined);
    } catch (err) {
      setError(describeError(err));
    }
  }, [client, period]);

  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(t);
  }, [load]);

  props.actions.current = screenActions<'dashboard'>({
    since: (args) => {
      const wanted = args.trim().toLowerCase();
      if (wanted && !(PERIODS as readonly string[]).includes(wanted)) {
        props.report(`Periods: ${PERIODS.join(', ')}.`, 'error');
        return;
      }
      setPeriod((p) => (wanted ? (wanted as Period) : PERIODS[(PERIODS.indexOf(p) + 1) % PERIODS.length]!));
    },
    refresh: () => void load(),
  });

  const nameWidth = Math.max(10, Math.min(20, width - 2 - COLUMNS.reduce((s, c) => s + c.width + 1, 0)));
  const header = `${fitTo('', nameWidth)} ${COLUMNS.map((c) => fitTo(c.title, c.width, 'right')).join(' ')}`;
  const table = (title: string, report: Record<string, Kpis>, name: (key: string) => string, max: number) => {
    const keys = Object.keys(report);
    return (
      <Box flexDirection="column">
        <Text bold color="cyan">
          {title}
        </Text>
        <Text bold wrap="truncate-end">{` ${header}`}</Text>
        {keys.length === 0 ? <Text dimColor> no conversations in this period</Text> : null}
        {keys.slice(0, max).map((key) => {
          const k = report[key]!;
          return (
            <Text key={key} wrap="truncate-end">
              {` ${fitTo(name(key), nameWidth)} `}
              {COLUMNS.map((c) => {
                const cell = `${fitTo(c.value(k), c.width, 'right')} `;
                return c.title === 'SLA' ? (
                  <Text key={c.title} color={slaColor(k.slaCompliance)}>
                    {cell}
                  </Text>
                ) : (
                  cell
                );
              })}
            </Text>
          );
        })}
        {keys.length > max ? <Text dimColor>{` … ${keys.length - max} more`}</Text> : null}
      </Box>
    );
  };

  if (!data) {
    return (
      <Box flexDirection="column" width={width} height={height}>
        <Text bold>{`Dashboard · last ${period}`}</Text>
        <Text color={error ? 'red' : undefined} dimColor={!error}>
          {error ?? 'loading…'}
        </Text>
      </Box>
    );
  }

  const volume = data.channel.volume.slice(-Math.max(4, width - 12));
  const inbound = volume.map((v) => v.inbound);
  const outbound = volume.map((v) => v.outbound);
  const peak = Math.max(0, ...inbound, ...outbound);
  const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  // Volume takes 4 lines, titles and headers 5: the rest is shared by the two tables.
  const rowsLeft = Math.max(2, height - 10);
  const channelRows = Math.min(Object.keys(data.channel.kpis).length || 1, Math.ceil(rowsLeft / 2));
  const agentRows = Math.max(1, rowsLeft - channelRows);
  const agentName = (key: string) => (key === 'bot' ? 'bot only' : sanitizeLine(agents.byId.get(key)?.name ?? key));

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate-end">
        <Text bold>{`Dashboard · last ${period}`}</Text>
        <Text dimColor>{` · updated ${formatClock(data.channel.now, now)}${error ? ' · ' : ''}`}</Text>
        {error ? <Text color="red">{truncate(error, Math.max(0, width - 40))}</Text> : null}
      </Text>
      {table('By channel', data.channel.kpis, sanitizeLine, channelRows)}
      {table('By agent', data.agent.kpis, agentName, agentRows)}
      <Text bold color="cyan" wrap="truncate-end">
        {`Messages per hour, last ${volume.length} h (peak ${peak})`}
      </Text>
      <Text wrap="truncate-end">
        <Text color="cyan">{' in  '}</Text>
        {sparkline(inbound, peak)}
        <Text dimColor>{` ${total(inbound)}`}</Text>
      </Text>
      <Text wrap="truncate-end">
        <Text color="green">{' out '}</Text>
        {sparkline(outbound, peak)}
        <Text dimColor>{` ${total(outbound)}`}</Text>
      </Text>
    </Box>
  );
}
