/**
 * Several `caredesk serve` processes on one PostgreSQL database as one desk,
 * and the small round-robin HTTP proxy the tests put in front of them (as an
 * operator would put nginx or any load balancer).
 *
 * - `DeskCluster`: N real processes (CAREDESK_STORE=postgres), each on its
 *   own port of 127.0.0.1 chosen up front, so that a process killed with
 *   SIGKILL comes back on the same address; named `p0`, `p1`… (given to the
 *   product as CAREDESK_PROCESS_NAME).
 * - `DeskProxy`: forwards method, path, headers and body to the next live
 *   process (a refused connection tries the next one), streams the answer
 *   back (the admin event stream works through it), and records every
 *   answer, so that a test knows what the desk acknowledged. A request with
 *   `x-cluster-backend: <name>` goes to that process only.
 *
 * - `TcpFaultProxy`: a TCP proxy in front of PostgreSQL for one process, to
 *   cut that process off the database and let it back.
 *
 * Every wait is bounded; `stop()` ends every child, also after a failure.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import {
  type AddressInfo,
  connect,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { type FakeChannel, fakeChannel } from '../../bots/botframework/fake-channel.js';
import { type Emulator, startEmulator } from '../../bots/telegram/emulator.js';
import { until } from '../../bots/telegram/helpers.js';
import { createTestDatabase, freePort, type TestDatabase } from '../../helpers/postgres.js';
import { CaredeskProcess, stopServe } from './caredesk-process.js';
import { loggedErrors, postgresEnv } from './postgres-desk.js';
import { readBody, TelegramFaultProxy } from './telegram-proxy.js';

/** The header that sends a request through the proxy to one named process. */
export const BACKEND_HEADER = 'x-cluster-backend';
/** The header the proxy adds to each answer: which process gave it. */
export const ANSWERED_BY_HEADER = 'x-cluster-answered-by';

export interface Member {
  readonly index: number;
  /** `p0`, `p1`…: CAREDESK_PROCESS_NAME of the process. */
  readonly name: string;
  readonly port: number;
  readonly url: string;
  /** The running process (the latest one started for this member), if any. */
  proc: CaredeskProcess | undefined;
  /** Every process started for this member, the oldest first (logs of a killed one stay readable). */
  readonly generations: CaredeskProcess[];
}

export interface DeskClusterOptions {
  readonly databaseUrl: string;
  readonly size: number;
  /** Environment of every process (on top of postgresEnv). */
  readonly env?: Record<string, string>;
  /** Environment of one process (on top of `env`), e.g. its own Telegram API root. */
  readonly envOf?: (member: { index: number; name: string }) => Record<string, string>;
  /** Options for node itself in every process (bench:scale's PROFILE). */
  readonly nodeArgs?: readonly string[];
}

export interface Health {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: /healthz is read loosely; the product adds fields
  readonly body: any;
}

export class DeskCluster {
  readonly members: Member[] = [];

  private constructor(private readonly options: DeskClusterOptions) {}

  /** Starts `size` processes at once on the (already migrated) database; resolves when all listen. */
  static async start(options: DeskClusterOptions): Promise<DeskCluster> {
    const cluster = new DeskCluster(options);
    for (let index = 0; index < options.size; index++) {
      const port = await freePort();
      cluster.members.push({
        index,
        name: `p${index}`,
        port,
        url: `http://127.0.0.1:${port}`,
        proc: undefined,
        generations: [],
      });
    }
    try {
      await Promise.all(cluster.members.map((m) => cluster.startMember(m.index)));
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  member(nameOrIndex: string | number): Member {
    const m =
      typeof nameOrIndex === 'number' ? this.members[nameOrIndex] : this.members.find((x) => x.name === nameOrIndex);
    if (!m) throw new Error(`no cluster member ${nameOrIndex}`);
    return m;
  }

  /** The members whose process runs. */
  alive(): Member[] {
    return this.members.filter((m) => m.proc !== undefined);
  }

  /** Starts (or starts again) one member's process on its port; resolves when it listens. */
  async startMember(nameOrIndex: string | number): Promise<CaredeskProcess> {
    const m = this.member(nameOrIndex);
    if (m.proc) throw new Error(`${m.name} already runs`);
    const env = postgresEnv(this.options.databaseUrl, {
      HOST: '127.0.0.1',
      CAREDESK_PROCESS_NAME: m.name,
      ...this.options.env,
      ...this.options.envOf?.({ index: m.index, name: m.name }),
      PORT: String(m.port),
    });
    const proc = new CaredeskProcess(['serve'], env, this.options.nodeArgs);
    m.proc = proc;
    m.generations.push(proc);
    void proc.exited.then(() => {
      if (m.proc === proc) m.proc = undefined;
    });
    await proc.listening(30_000);
    return proc;
  }

  /** kill -9 of one member's process; resolves once it is gone. */
  async kill(nameOrIndex: string | number): Promise<void> {
    const m = this.member(nameOrIndex);
    const proc = m.proc;
    if (!proc) return;
    m.proc = undefined;
    await proc.kill();
  }

  /** kill -9, then a new process on the same port and database. */
  async restart(nameOrIndex: string | number): Promise<CaredeskProcess> {
    await this.kill(nameOrIndex);
    return this.startMember(nameOrIndex);
  }

  /** GET /healthz of one member, directly (not through the proxy). */
  async healthz(nameOrIndex: string | number): Promise<Health> {
    const m = this.member(nameOrIndex);
    const res = await fetch(`${m.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /**
   * The member holding the desk's duties (long polling, outbox, timers) as
   * /healthz says (`process.duties`), or undefined when no /healthz says so.
   */
  async dutyHolder(): Promise<Member | undefined> {
    for (const m of this.alive()) {
      const h = await this.healthz(m.index).catch(() => undefined);
      if (h?.body?.process?.duties === true) return m;
    }
    return undefined;
  }

  /** The errors every process logged (killed ones too), for a failing test's message. */
  errors(): string {
    return this.members
      .flatMap((m) => m.generations.map((p, g) => `--- ${m.name}#${g}\n${loggedErrors(p)}`))
      .join('\n');
  }

  /** SIGTERM to every process (SIGKILL if it does not exit in time). */
  async stop(): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        const proc = m.proc;
        m.proc = undefined;
        await stopServe(proc).catch(() => proc?.kill());
      }),
    );
    // A process that was starting when stop() came: never leave a child behind.
    await Promise.all(this.members.flatMap((m) => m.generations.map((p) => p.kill())));
  }
}

/** One request the proxy answered (or failed to). */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  /** The answer's status; 502 when no process could answer. */
  readonly status: number;
  /** Which member answered, if one did. */
  readonly backend: string | undefined;
  readonly at: number;
  /** The request body as text (POSTs only; streams are not kept). */
  readonly body: string | undefined;
}

export interface ProxyBackend {
  readonly name: string;
  readonly url: string;
}

/**
 * A round-robin HTTP reverse proxy on 127.0.0.1 in front of `backends()`
 * (read at each request, so a restarted process is found again).
 */
export class DeskProxy {
  readonly requests: ProxiedRequest[] = [];
  private server: Server | undefined;
  private next = 0;
  private readonly agent = new Agent({ keepAlive: false });
  private readonly open = new Set<IncomingMessage>();

  constructor(private readonly backends: () => readonly ProxyBackend[]) {}

  /** A proxy in front of a cluster's members. */
  static for(cluster: () => DeskCluster | undefined): DeskProxy {
    return new DeskProxy(() => cluster()?.members.map((m) => ({ name: m.name, url: m.url })) ?? []);
  }

  get url(): string {
    if (!this.server) throw new Error('the proxy is not started');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(String(err));
        else res.destroy();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    for (const upstream of this.open) upstream.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.agent.destroy();
  }

  /** The 2xx answers to POSTs on `path`: what the desk acknowledged. */
  acknowledged(path: string): ProxiedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === path && r.status >= 200 && r.status < 300);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const wanted = req.headers[BACKEND_HEADER];
    const all = this.backends();
    let order: ProxyBackend[];
    if (typeof wanted === 'string') {
      order = all.filter((b) => b.name === wanted);
    } else {
      const start = this.next++ % Math.max(1, all.length);
      order = [...all.slice(start), ...all.slice(0, start)];
    }
    const record = (status: number, backend: string | undefined): void => {
      this.requests.push({
        method: req.method ?? 'GET',
        path: (req.url ?? '').split('?')[0] ?? '',
        status,
        backend,
        at: Date.now(),
        body: req.method === 'POST' ? body.toString('utf8') : undefined,
      });
    };
    for (const backend of order) {
      const outcome = await this.tryBackend(backend, req, body, res);
      if (outcome === 'refused') continue;
      record(outcome, backend.name);
      return;
    }
    record(502, undefined);
    res.writeHead(502, { 'content-type': 'text/plain' }).end('no caredesk process answered');
  }

  /**
   * Sends the request to one process. 'refused' when it could not be reached
   * at all (the next one is tried); otherwise the status that was passed back
   * (502 if the process went away before answering: the client tries again,
   * as Telegram and Bot Framework do).
   */
  private tryBackend(
    backend: ProxyBackend,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
  ): Promise<number | 'refused'> {
    return new Promise((resolve) => {
      const target = new URL(backend.url);
      const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: target.host };
      delete headers[BACKEND_HEADER];
      headers['content-length'] = String(body.length);
      if (req.method === 'GET' || req.method === 'HEAD') delete headers['content-length'];
      const upstreamReq = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers,
          agent: this.agent,
        },
        (upstream) => {
          this.open.add(upstream);
          const status = upstream.statusCode ?? 502;
          res.writeHead(status, { ...upstream.headers, [ANSWERED_BY_HEADER]: backend.name });
          res.flushHeaders();
          upstream.on('data', (chunk: Buffer) => res.write(chunk));
          upstream.on('end', () => {
            this.open.delete(upstream);
            res.end();
          });
          // The process died mid-answer (an event stream, typically): the client sees its connection end.
          upstream.on('error', () => undefined);
          upstream.on('close', () => {
            this.open.delete(upstream);
            if (!upstream.complete) res.destroy();
          });
          res.on('close', () => {
            if (!upstream.complete) upstream.destroy();
          });
          resolve(status);
        },
      );
      let sent = false;
      upstreamReq.on('socket', (socket) => {
        socket.once('connect', () => {
          sent = true;
        });
      });
      upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
        if (!sent && (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET')) return resolve('refused');
        if (!res.headersSent)
          res.writeHead(502, { 'content-type': 'text/plain' }).end(`${backend.name}: ${err.message}`);
        resolve(502);
      });
      upstreamReq.setTimeout(60_000, () => upstreamReq.destroy(new Error('upstream timeout')));
      upstreamReq.end(req.method === 'GET' || req.method === 'HEAD' ? undefined : body);
    });
  }
}

/**
 * A TCP proxy in front of PostgreSQL for one process: `cut()` resets every
 * connection through it and refuses new ones (the network between that
 * process and the database is gone), `restore()` lets them through again.
 */
export class TcpFaultProxy {
  private server: NetServer | undefined;
  private readonly sockets = new Set<Socket>();
  private down = false;
  /** Connections refused while cut. */
  refused = 0;

  constructor(
    private readonly upstreamHost: string,
    private readonly upstreamPort: number,
  ) {}

  /** The proxy in front of the database of a PostgreSQL URL. */
  static forUrl(databaseUrl: string): TcpFaultProxy {
    const u = new URL(databaseUrl);
    return new TcpFaultProxy(u.hostname, Number(u.port || 5432));
  }

  get port(): number {
    if (!this.server) throw new Error('the TCP proxy is not started');
    return (this.server.address() as AddressInfo).port;
  }

  /** The same URL, through the proxy. */
  through(databaseUrl: string): string {
    const u = new URL(databaseUrl);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  async start(): Promise<void> {
    this.server = createNetServer((client) => {
      if (this.down) {
        this.refused += 1;
        client.destroy();
        return;
      }
      const upstream = connect(this.upstreamPort, this.upstreamHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.resetAndDestroy();
  }

  restore(): void {
    this.down = false;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** What the multi-process tests run their processes against. */
export interface ClusterSurroundings {
  readonly db: TestDatabase;
  readonly emulator: Emulator;
  /** The Telegram emulator behind the fault proxy (per-process API roots, what reached each chat). */
  readonly telegram: TelegramFaultProxy;
  /** Where Bot Framework replies go. */
  readonly channel: FakeChannel;
  /** The round-robin proxy in front of the cluster; started first, its URL is the processes' webhook URL. */
  readonly proxy: DeskProxy;
}

/** A migrated database, the Telegram emulator behind its proxy, a Bot Framework channel and the balancer for `cluster`. */
export async function clusterSurroundings(cluster: () => DeskCluster | undefined): Promise<ClusterSurroundings> {
  const db = await createTestDatabase({ migrated: true });
  const emulator = await startEmulator();
  const telegram = new TelegramFaultProxy(emulator.apiRoot);
  await telegram.start();
  const channel = await fakeChannel();
  const proxy = DeskProxy.for(cluster);
  await proxy.start();
  return { db, emulator, telegram, channel, proxy };
}

/**
 * Waits until the replies counted by `lists` stop growing for `quietMs` and
 * `enough` holds (bounded by `ms`): everyone answered, then nothing more.
 */
export async function settled(lists: () => number, enough: () => boolean, quietMs = 1_500, ms = 60_000): Promise<void> {
  let seen = -1;
  let since = Date.now();
  await until(() => {
    const n = lists();
    if (n !== seen) {
      seen = n;
      since = Date.now();
      return undefined;
    }
    return Date.now() - since >= quietMs && enough() ? true : undefined;
  }, ms);
}
