/**
 * The Bot API's file endpoints, in front of the emulator (telegram-test-api),
 * which has none: `getFile`, the file download URL
 * (`/file/bot<token>/<path>`), and `sendPhoto` / `sendDocument` with a
 * multipart body. Everything else is passed on to the emulator untouched. A
 * file the bot sends is kept here (bytes, name, caption) and put in the
 * customer's chat on the emulator as a document or photo message, so the
 * customer side reads it as Telegram would show it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Emulator } from './emulator.js';

export interface SentFile {
  readonly method: 'sendPhoto' | 'sendDocument';
  readonly chatId: string;
  readonly name: string;
  readonly mimeType: string;
  readonly caption: string | undefined;
  readonly bytes: Buffer;
}

export class FileBotApi {
  /** Files the bot sent, in order. */
  readonly sent: SentFile[] = [];
  /** Files customers "uploaded": file_id to path and bytes. */
  private readonly files = new Map<string, { path: string; bytes: Buffer }>();
  private server: Server | undefined;
  private upstream: URL;

  constructor(private readonly emulator: Emulator) {
    this.upstream = new URL(emulator.apiRoot);
  }

  get apiRoot(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** A file a customer sent: its file_id and size, as Telegram would put them in the message. */
  addFile(bytes: Buffer, path: string): { file_id: string; file_unique_id: string; file_size: number } {
    const id = `file-${randomUUID()}`;
    this.files.set(id, { path, bytes });
    return { file_id: id, file_unique_id: id.slice(0, 16), file_size: bytes.length };
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error_code: 500, description: String(err) }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (download) {
      const file = [...this.files.values()].find((f) => f.path === decodeURIComponent(download[2] ?? ''));
      if (!file) return json(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.bytes.length });
      res.end(file.bytes);
      return;
    }
    const method = /^\/bot([^/]+)\/(getFile|sendPhoto|sendDocument)$/.exec(url.pathname);
    if (!method) return this.pass(req, res);
    const token = method[1] as string;
    const body = await readBody(req);
    if (method[2] === 'getFile') {
      const fileId = String(JSON.parse(body.toString() || '{}').file_id ?? url.searchParams.get('file_id'));
      const file = this.files.get(fileId);
      if (!file) return json(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' });
      return json(res, 200, {
        ok: true,
        result: {
          file_id: fileId,
          file_unique_id: fileId.slice(0, 16),
          file_size: file.bytes.length,
          file_path: file.path,
        },
      });
    }
    // The bot's file, in a multipart body, as telegraf sends it.
    const form = await new Request('http://127.0.0.1/', {
      method: 'POST',
      headers: { 'content-type': String(req.headers['content-type']) },
      body: new Uint8Array(body),
    }).formData();
    const field = method[2] === 'sendPhoto' ? 'photo' : 'document';
    const file = form.get(field);
    if (!(file instanceof File)) {
      return json(res, 400, { ok: false, error_code: 400, description: `Bad Request: no ${field} in the request` });
    }
    const sent: SentFile = {
      method: method[2] as SentFile['method'],
      chatId: String(form.get('chat_id')),
      name: file.name,
      mimeType: file.type,
      caption: (form.get('caption') as string | null) ?? undefined,
      bytes: Buffer.from(await file.arrayBuffer()),
    };
    this.sent.push(sent);
    const media =
      field === 'photo'
        ? { photo: [{ file_id: `sent-${this.sent.length}`, file_size: sent.bytes.length, width: 1, height: 1 }] }
        : { document: { file_id: `sent-${this.sent.length}`, file_name: sent.name, file_size: sent.bytes.length } };
    const result = this.emulator.server.addBotMessage(
      { chat_id: sent.chatId, text: sent.caption ?? '', caption: sent.caption, ...media } as never,
      token,
    );
    return json(res, 200, { ok: true, result });
  }

  private pass(req: IncomingMessage, res: ServerResponse): void {
    const out = request(
      {
        host: this.upstream.hostname,
        port: this.upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => json(res, 502, { ok: false, error_code: 502, description: 'Bad Gateway' }));
    req.pipe(out);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
