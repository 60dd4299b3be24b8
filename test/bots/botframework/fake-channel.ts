/**
 * A Bot Framework channel on loopback: the serviceUrl replies are posted to.
 * It records each activity it receives and answers from a script
 * ('ok' by default; a status code to fail; 'hang' never answers).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedActivity {
  readonly path: string;
  /** When it arrived (ms since the epoch). */
  readonly at?: number;
  readonly activity: {
    type: string;
    text?: string;
    suggestedActions?: { actions: Array<{ title: string; value: string }> };
  };
}

export interface FakeChannel {
  readonly serviceUrl: string;
  readonly received: ReceivedActivity[];
  script: Array<'ok' | 'hang' | number>;
  close(): Promise<void>;
}

export async function fakeChannel(): Promise<FakeChannel> {
  const received: ReceivedActivity[] = [];
  const state = { script: [] as Array<'ok' | 'hang' | number> };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const answer = state.script.shift() ?? 'ok';
      if (answer === 'hang') return;
      if (answer !== 'ok') {
        res.writeHead(answer, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { code: 'Scripted', message: `scripted ${answer}` } }));
      }
      received.push({ path: req.url ?? '', at: Date.now(), activity: JSON.parse(body || '{}') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `act-${received.length}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    serviceUrl: `http://127.0.0.1:${port}`,
    received,
    get script() {
      return state.script;
    },
    set script(s) {
      state.script = s;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
