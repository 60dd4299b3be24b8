import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type ServerHandle, startServer } from '../../server/index.js';

const servers: ServerHandle[] = [];

async function serve(): Promise<ServerHandle> {
  const config = loadConfig({ PORT: '0', CAREDESK_STORE: 'memory', LOG_LEVEL: 'silent' });
  const server = await startServer(config, { handleSignals: false, logger: pino({ level: 'silent' }) });
  servers.push(server);
  return server;
}

async function scrape(server: ServerHandle): Promise<{ type: string | null; text: string }> {
  const res = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  expect(res.status).toBe(200);
  return { type: res.headers.get('content-type'), text: await res.text() };
}

/** The value of one series, e.g. `caredesk_queue_length{channel="telegram"}`. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

let n = 0;
async function customerWrites(server: ServerHandle, channel: 'telegram' | 'devchat', user: string, text: string) {
  const result = await server.desk.receive({ channel, externalUserId: user, channelMessageId: `m${++n}`, text });
  await server.desk.idle();
  if (result.status !== 'stored') throw new Error(`not stored: ${result.status}`);
  return result.conversation.id;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('GET /metrics', () => {
  it('after customers write and the bot hands one to a person: the queue per channel, messages in and out, handoffs, SLA breaches', async () => {
    const server = await serve();
    // The care flow hands the first customer to a person, and helps the other two itself.
    await customerWrites(server, 'telegram', 'u1', 'I want to talk to a human');
    await customerWrites(server, 'telegram', 'u2', 'my internet is slow');
    await customerWrites(server, 'devchat', 'u3', 'my internet is slow');
    // Two hours on, the queued conversation is past its first-response target (1 h by default).
    await server.human.tick(new Date(Date.now() + 2 * 3_600_000));
    await server.desk.idle();

    const { type, text } = await scrape(server);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(text, 'caredesk_queue_length{channel="telegram"}')).toBe(1);
    expect(value(text, 'caredesk_queue_length{channel="devchat"}')).toBe(0);
    expect(value(text, 'caredesk_messages_received_total{channel="telegram"}')).toBe(2);
    expect(value(text, 'caredesk_messages_received_total{channel="devchat"}')).toBe(1);
    expect(value(text, 'caredesk_handoffs_total{channel="telegram"}')).toBe(1);
    expect(
      value(text, 'caredesk_sla_breaches_total{target="firstResponse",channel="telegram",priority="normal"}'),
    ).toBe(1);
    // Two bot replies to each customer, and for each the time they waited for the first one.
    expect(value(text, 'caredesk_messages_sent_total{author="bot"}')).toBe(6);
    expect(value(text, 'caredesk_reply_seconds_count{author="bot"}')).toBe(3);
    // No Telegram bot is configured, so the four Telegram replies wait in the outbox.
    expect(value(text, 'caredesk_outbox_pending')).toBeGreaterThanOrEqual(4);
    expect(value(text, 'caredesk_outbox_oldest_pending_seconds')).toBeGreaterThanOrEqual(0);
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
  });

  it('times HTTP requests per route pattern, never per id or unknown path', async () => {
    const server = await serve();
    await fetch(`${server.url}/healthz`);
    await fetch(`${server.url}/no/such/path/123`);
    const { text } = await scrape(server);
    expect(
      value(text, 'caredesk_http_request_duration_seconds_count{method="GET",route="/healthz",status_code="200"}'),
    ).toBe(1);
    expect(
      value(text, 'caredesk_http_request_duration_seconds_count{method="GET",route="(none)",status_code="404"}'),
    ).toBe(1);
    expect(text).not.toContain('/no/such/path');
  });

  it('two servers in one process count only their own', async () => {
    const busy = await serve();
    const idle = await serve();
    await customerWrites(busy, 'telegram', 'u1', 'hello');
    expect(value((await scrape(busy)).text, 'caredesk_messages_received_total{channel="telegram"}')).toBe(1);
    expect(value((await scrape(idle)).text, 'caredesk_messages_received_total{channel="telegram"}')).toBe(0);
  });
});
