/**
 * A Bot API that only knows getUpdates, for what the emulator cannot do: it
 * long-polls like real Telegram (an empty getUpdates stays open until an
 * update comes or the client goes away), keeps an update until a later
 * offset confirms it, and can refuse every call the way Telegram refuses a
 * wrong token (401) or a second poller (409).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Refusal = { readonly status: number; readonly description: string };

export const UNAUTHORIZED: Refusal = { status: 401, description: 'Unauthorized' };
export const OTHER_POLLER: Refusal = {
  status: 409,
  description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
};
export const WEBHOOK_SET: Refusal = {
  status: 409,
  description:
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
};

export interface FakeBotApi {
  readonly apiRoot: string;
  /** getUpdates calls received so far. */
  readonly calls: () => number;
  /** Long polls the client closed before they were answered (an aborted request). */
  readonly abandoned: () => number;
  /** Refuse the next getUpdates calls with this answer (undefined: answer normally again). */
  refuse(refusal: Refusal | undefined): void;
  push(update: object): void;
  close(): void;
}

export async function fakeBotApi(refusal?: Refusal): Promise<FakeBotApi> {
  let refusing = refusal;
  let calls = 0;
  let abandoned = 0;
  const pending: Array<{ update_id: number }> = [];
  const waiting = new Set<() => void>();

  const answer = (res: ServerResponse, status: number, payload: object) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      if (!req.url?.endsWith('/getUpdates'))
        return answer(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      calls++;
      if (refusing) {
        return answer(res, refusing.status, {
          ok: false,
          error_code: refusing.status,
          description: refusing.description,
        });
      }
      const offset = Number(JSON.parse(body || '{}').offset ?? 0);
      // Telegram forgets what an offset confirms, and nothing else.
      while (pending.length > 0 && (pending[0]?.update_id ?? 0) < offset) pending.shift();
      const reply = () => {
        waiting.delete(reply);
        answer(res, 200, { ok: true, result: pending.filter((u) => u.update_id >= offset) });
      };
      if (pending.some((u) => u.update_id >= offset)) return reply();
      waiting.add(reply);
      res.on('close', () => {
        if (waiting.delete(reply)) abandoned++;
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    calls: () => calls,
    abandoned: () => abandoned,
    refuse: (next) => {
      refusing = next;
    },
    push: (update) => {
      pending.push(update as { update_id: number });
      for (const reply of [...waiting]) reply();
    },
    close: () => {
      waiting.clear();
      server.closeAllConnections();
      server.close();
    },
  };
}
