/**
 * The CLI's side of the control route: the DeskOperations of a running
 * server, over HTTP on this machine, with the secret from control.json.
 */
import type { z } from 'zod';
import {
  AgentListSchema,
  BackupAnswerSchema,
  ControlStatusSchema,
  CreatedAgentSchema,
  CustomerExportSchema,
  ErasedAnswerSchema,
  ErrorAnswerSchema,
  type KpiGrouping,
  KpiSummarySchema,
  type NewAgent,
  RemovedAgentSchema,
  RotatedTokenSchema,
} from '../../core/index.js';
import { jsonOrUndefined } from '../../core/util/lenient-json.js';
import { HTTP_STATUS, type HttpErrorCode } from '../http-errors.js';
import type { ControlFile } from './control-file.js';
import { ControlAnswerError } from './errors.js';
import type { DeskOperations } from './operations.js';

/** The server could not be reached at all; `code` is the system's (ECONNREFUSED…). */
export class ControlConnectionError extends Error {
  constructor(
    readonly code: string,
    readonly url: string,
    options?: ErrorOptions,
  ) {
    super(`no connection to ${url} (${code})`, options);
  }
}

/** The server answered 503: it is starting or shutting down; nothing was done. */
export class ControlBusyError extends Error {}

/** The `{ error: { code, message } }` body every error answer of caredesk has, if this is one. */
function errorOf(body: unknown): { code: HttpErrorCode; message: string } | undefined {
  const parsed = ErrorAnswerSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { error } = parsed.data;
  const known = error.code === 'E_INTERNAL' || Object.hasOwn(HTTP_STATUS, error.code);
  return known ? { code: error.code as HttpErrorCode, message: error.message } : undefined;
}

/** Erasure and backup copy or rewrite the whole history: an hour before the client gives up waiting. */
const LONG = 60 * 60_000;

export interface ControlClientOptions {
  /** Per request (default 60 s: a report over a long history takes a while). */
  readonly timeoutMs?: number;
}

export class ControlClient implements DeskOperations {
  constructor(
    readonly control: ControlFile,
    private readonly options: ControlClientOptions = {},
  ) {}

  status() {
    return this.call('GET', '/control/v1/status', ControlStatusSchema);
  }

  createAgent(input: NewAgent) {
    return this.call('POST', '/control/v1/agents', CreatedAgentSchema, input);
  }

  async listAgents() {
    return (await this.call('GET', '/control/v1/agents', AgentListSchema)).agents;
  }

  removeAgent(id: string) {
    return this.call('DELETE', `/control/v1/agents/${encodeURIComponent(id)}`, RemovedAgentSchema);
  }

  rotateToken(id: string) {
    return this.call('POST', `/control/v1/agents/${encodeURIComponent(id)}/rotate-token`, RotatedTokenSchema);
  }

  kpis(since: Date, by: KpiGrouping) {
    const query = new URLSearchParams({ since: since.toISOString(), by });
    return this.call('GET', `/control/v1/kpis?${query}`, KpiSummarySchema);
  }

  exportCustomer(id: string) {
    return this.call('GET', `/control/v1/customers/${encodeURIComponent(id)}/export`, CustomerExportSchema);
  }

  eraseCustomer(id: string, reason: string) {
    // Rewriting a long history takes a while.
    return this.call('DELETE', `/control/v1/customers/${encodeURIComponent(id)}`, ErasedAnswerSchema, { reason }, LONG);
  }

  backup(dir: string) {
    return this.call('POST', '/control/v1/backup', BackupAnswerSchema, { dir }, LONG);
  }

  private async call<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown, timeoutMs?: number) {
    const url = `${this.control.url}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.control.secret}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs ?? this.options.timeoutMs ?? 60_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: unknown } }).cause;
      const code =
        (err as Error).name === 'TimeoutError'
          ? 'ETIMEDOUT'
          : typeof cause?.code === 'string'
            ? cause.code
            : (err as Error).message;
      throw new ControlConnectionError(code, this.control.url, { cause: err });
    }
    const text = await res.text();
    const json = jsonOrUndefined(text);
    if (res.status === 503) throw new ControlBusyError(`${url} answered 503`);
    if (!res.ok) {
      const error = errorOf(json);
      if (error) throw new ControlAnswerError(error.code, error.message, { status: res.status });
      throw this.unexpected(res.status, text);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw this.unexpected(res.status, text);
    return parsed.data as z.output<S>;
  }

  private unexpected(status: number, text: string): ControlAnswerError {
    return new ControlAnswerError(
      'E_INTERNAL',
      `The caredesk server at ${this.control.url} (pid ${this.control.pid}) gave an answer this command does not understand (HTTP ${status}: ${text.slice(0, 200)}). Run the same caredesk version as the server.`,
      { status },
    );
  }
}
