/**
 * Every setting caredesk reads, as data: its name (the environment variable,
 * also the key in a config file), its default, what it accepts and a schema
 * that turns the raw text (or JSON value) into the typed value. The config
 * loader, `caredesk serve --help` and docs/configuration.md all follow this table.
 */
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const STORE_KINDS = ['embedded', 'memory', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export const MICROSOFT_APP_TYPES = ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const;
export type MicrosoftAppType = (typeof MICROSOFT_APP_TYPES)[number];

export interface Setting {
  /** The environment variable, and the key in a config file. */
  readonly name: string;
  /** Raw default (as it would be written in the environment); none means "not set". */
  readonly default?: string;
  /** What is allowed, phrased to follow "expected". */
  readonly expected: string;
  readonly description: string;
  /** Never echo the value in an error message or a log. */
  readonly secret?: boolean;
  readonly schema: z.ZodType;
}

// Values come as text from the environment and the command line, or as JSON values from a config file.
const integer = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().int());
const boolean = z.union([
  z.boolean(),
  z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['true', 'false', '1', '0']))
    .transform((s) => s === 'true' || s === '1'),
]);
const text = z.string().min(1);
const rate = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .transform(Number),
  ])
  .pipe(z.number().positive().max(100_000));
/** `90s`, `15m`, `4h`, `2d`, or milliseconds; more than zero. */
const duration = z
  .union([z.number(), z.string()])
  .transform((v) => String(v).trim())
  .pipe(z.string().regex(/^\d+(ms|s|m|h|d)?$/))
  .transform((v) => {
    const unit = v.replace(/^\d+/, '') || 'ms';
    const per: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
    return Number(v.match(/^\d+/)?.[0]) * (per[unit] as number);
  })
  .pipe(z.number().int().positive());
/** `20MB`, `512KB`, `1GB` (powers of 1024), or bytes; more than zero. */
const byteSize = z
  .union([z.number(), z.string()])
  .transform((v) => String(v).trim().toUpperCase())
  .pipe(z.string().regex(/^\d+(B|KB|MB|GB)?$/))
  .transform((v) => {
    const per: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
    return Number(v.match(/^\d+/)?.[0]) * (per[v.replace(/^\d+/, '') || 'B'] as number);
  })
  .pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER));
const noSpaces = z.string().regex(/^\S+$/);
const httpUrl = z.url({ protocol: /^https?$/ });
const proxyAddress = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]);
/** Comma-separated in the environment, a list or the same text in a config file. */
const commaList = z
  .union([z.array(z.string()), z.string().transform((s) => s.split(','))])
  .transform((list) => list.map((a) => a.trim()).filter((a) => a !== ''));
const proxyList = commaList.pipe(z.array(proxyAddress).min(1));
/** `bot.example.com`, `*.example.com` (any host under it), or an IP address; no scheme, no port. */
const hostPattern = z
  .string()
  .transform((h) => h.toLowerCase())
  .refine((h) => {
    const host = h.startsWith('*.') ? h.slice(2) : h;
    return [z.ipv4(), z.ipv6(), z.hostname()].some((s) => s.safeParse(host).success) && !host.includes('*');
  });
const hostList = commaList.pipe(z.array(hostPattern).min(1));
/** `https://www.example.com` (scheme, host and port; no path), as a browser sends it in Origin. */
const originList = commaList.pipe(
  z
    .array(
      z.url({ protocol: /^https?$/ }).refine((o) => new URL(o).origin === o.replace(/\/$/, ''), {
        message: 'an origin has no path, query or fragment',
      }),
    )
    .min(1)
    .transform((list) => list.map((o) => new URL(o).origin)),
);

export const SETTINGS = [
  {
    name: 'PORT',
    default: '3978',
    expected: 'an integer 0–65535 (0 picks a free port)',
    description: 'TCP port the HTTP server listens on. With 0 the system picks a free port; the log says which.',
    schema: integer.pipe(z.number().min(0).max(65535)),
  },
  {
    name: 'HOST',
    default: '127.0.0.1',
    expected: 'a host name or an IP address, e.g. 127.0.0.1 or 0.0.0.0',
    description: 'Address the HTTP server binds. The default answers this machine only; 0.0.0.0 answers every network.',
    schema: z.union([z.ipv4(), z.ipv6(), z.hostname()]),
  },
  {
    name: 'CAREDESK_DATA_DIR',
    default: './data',
    expected: 'a directory path',
    description:
      'Where the embedded store keeps its data (created if missing). Relative paths start from the working directory, or from the config file’s directory when set there.',
    schema: text,
  },
  {
    name: 'CAREDESK_STORE',
    default: 'embedded',
    expected: `one of ${STORE_KINDS.join(', ')}`,
    description:
      '`embedded` keeps data on disk in CAREDESK_DATA_DIR; `postgres` keeps it in the PostgreSQL database DATABASE_URL names (see docs/postgres.md); `memory` keeps nothing after the process stops.',
    schema: z.enum(STORE_KINDS),
  },
  {
    name: 'DATABASE_URL',
    expected: 'a PostgreSQL URL, e.g. postgres://caredesk:secret@db.example.com:5432/caredesk?sslmode=require',
    description:
      'The PostgreSQL database of CAREDESK_STORE=postgres, as a libpq connection URL (`sslmode`, `sslrootcert` and the like included). Create its schema with `caredesk migrate`.',
    secret: true,
    schema: z.string().regex(/^postgres(ql)?:\/\/\S+$/),
  },
  {
    name: 'CAREDESK_DATABASE_POOL_SIZE',
    default: '10',
    expected: 'an integer 1–1000',
    description:
      'Connections to PostgreSQL each caredesk process keeps open at most. Writes share one connection at a time (group commit); reads use the others.',
    schema: integer.pipe(z.number().min(1).max(1000)),
  },
  {
    name: 'CAREDESK_PROCESS_NAME',
    expected: 'a name of 1–50 characters without spaces',
    description:
      'This process’s name among the desk’s processes on one PostgreSQL database (default: host name and process id): /healthz, /metrics and the logs say which process answered. See docs/scale-out.md.',
    schema: noSpaces.pipe(z.string().max(50)),
  },
  {
    name: 'CAREDESK_DATABASE_STATEMENT_TIMEOUT',
    default: '30s',
    expected: 'a duration such as 10s, 1m (or milliseconds)',
    description:
      'A database statement that runs longer is cancelled (PostgreSQL’s statement_timeout for caredesk’s connections).',
    schema: duration,
  },
  {
    name: 'CAREDESK_FSYNC',
    default: 'true',
    expected: 'true or false (or 1 or 0)',
    description:
      'Flush every write to the disk before acknowledging it. `false` is faster but a power cut can lose the last writes.',
    schema: boolean,
  },
  {
    name: 'CAREDESK_REPLY_TIMEOUT',
    default: '30s',
    expected: 'a duration such as 10s, 2m (or milliseconds)',
    description:
      'How long one send to a channel may take. A send that takes longer is cancelled and tried again, keeping its place before the chat’s next replies.',
    schema: duration,
  },
  {
    name: 'CAREDESK_REPLY_GIVE_UP',
    default: '24h',
    expected: 'a duration such as 6h, 2d (or milliseconds)',
    description:
      'How long caredesk keeps trying to deliver a reply (through outages and flood control) before it marks it failed: then agents see it in the conversation, supervisors get an alert, and an agent can resend it.',
    schema: duration,
  },
  {
    name: 'CAREDESK_AGENTS_MAY_MERGE',
    default: 'false',
    expected: 'true or false (or 1 or 0)',
    description:
      'Who may merge two customers into one (and undo a merge) over the admin API: supervisors only by default; `true` lets every agent do it.',
    schema: boolean,
  },
  {
    name: 'CAREDESK_ATTACHMENT_MAX_SIZE',
    default: '20MB',
    expected: 'a size such as 20MB, 512KB (or bytes)',
    description:
      'Largest file an agent may fetch from a channel or send to a customer. Files an agent sends are kept in the store, so this also bounds what one of them adds to it.',
    schema: byteSize,
  },
  {
    name: 'LOG_LEVEL',
    default: 'info',
    expected: `one of ${LOG_LEVELS.join(', ')}`,
    description: 'Least severe log level written (JSON lines on stdout). `debug` also logs every HTTP request.',
    schema: z.enum(LOG_LEVELS),
  },
  {
    name: 'TRUST_PROXY',
    expected: 'IP addresses or CIDR ranges of your reverse proxies, comma-separated, e.g. 127.0.0.1 or 10.0.0.0/8,::1',
    description:
      'Reverse proxies in front of caredesk. A request from one of them is taken to come from the address its X-Forwarded-For names, so that the admin API throttles each client, not the proxy. Never trust an address a client could send from.',
    schema: proxyList,
  },
  {
    name: 'CAREDESK_KNOWLEDGE_DIR',
    expected: 'a directory of <language>.json article files',
    description:
      'The care bot’s knowledge base, when not the one caredesk ships (flows/care/knowledge). Read at start-up and again on SIGHUP; check it with `caredesk kb check --dir`.',
    schema: text,
  },
  {
    name: 'TELEGRAM_BOT_TOKEN',
    expected: 'a bot token from @BotFather, e.g. 123456:ABC-DEF…',
    description: 'Token of the Telegram bot the Telegram channel answers as.',
    secret: true,
    schema: noSpaces,
  },
  {
    name: 'TELEGRAM_API_ROOT',
    expected: 'an http(s) URL',
    description: 'Telegram Bot API root, when not https://api.telegram.org (tests point it at an emulator).',
    schema: httpUrl,
  },
  {
    name: 'TELEGRAM_WEBHOOK_URL',
    expected: 'an http(s) URL',
    description: 'Public URL Telegram pushes updates to (webhook mode).',
    schema: httpUrl,
  },
  {
    name: 'TELEGRAM_WEBHOOK_SECRET',
    expected: '1–256 characters among A–Z, a–z, 0–9, _ and - (Telegram’s rule)',
    description: 'Secret Telegram sends with each webhook call, so that nobody else can post updates.',
    secret: true,
    schema: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/),
  },
  {
    name: 'TELEGRAM_RATE_LIMIT',
    default: '30',
    expected: 'messages per second, a number above 0',
    description:
      'Most messages per second the bot sends, all chats and all processes together (Telegram allows about 30; paid broadcasts up to 1000; a local Bot API server or an emulator has no limit).',
    schema: rate,
  },
  {
    name: 'TELEGRAM_CHAT_RATE_LIMIT',
    default: '1',
    expected: 'messages per second, a number above 0',
    description: 'Most messages per second the bot sends to one chat (Telegram allows about 1, with short bursts).',
    schema: rate,
  },
  {
    name: 'MICROSOFT_APP_ID',
    expected: 'the bot’s Microsoft app id (a GUID)',
    description: 'App id of the Bot Framework bot; with it, incoming requests must carry a valid token.',
    schema: noSpaces,
  },
  {
    name: 'MICROSOFT_APP_PASSWORD',
    expected: 'the app’s client secret',
    description: 'Client secret of MICROSOFT_APP_ID.',
    secret: true,
    schema: text,
  },
  {
    name: 'MICROSOFT_APP_TENANT_ID',
    expected: 'an Entra (Azure AD) tenant id',
    description: 'Tenant of a SingleTenant or UserAssignedMSI app.',
    schema: noSpaces,
  },
  {
    name: 'MICROSOFT_APP_TYPE',
    expected: `one of ${MICROSOFT_APP_TYPES.join(', ')}`,
    description: 'Kind of the Microsoft app. SingleTenant needs MICROSOFT_APP_TENANT_ID.',
    schema: z.enum(MICROSOFT_APP_TYPES),
  },
  {
    name: 'BOTFRAMEWORK_SERVICE_URL_HOSTS',
    expected: 'host names, *.domain patterns or IP addresses, comma-separated, e.g. bot.example.com,*.example.net',
    description:
      'Hosts Bot Framework replies may be sent to besides the default ones (Microsoft’s channel hosts with MICROSOFT_APP_ID, this machine without): an activity naming another serviceUrl is refused.',
    schema: hostList,
  },
  {
    name: 'WEBCHAT_ENABLED',
    default: 'true',
    expected: 'true or false (or 1 or 0)',
    description:
      'Serve Microsoft’s Web Chat widget over caredesk’s own Direct Line (`/directline`) and its demo page (`/webchat/`). See docs/webchat.md.',
    schema: boolean,
  },
  {
    name: 'WEBCHAT_ALLOWED_ORIGINS',
    expected: 'web origins, comma-separated, e.g. https://www.example.com,https://shop.example.com',
    description:
      'Sites whose pages may embed the widget: a browser request to /directline from another origin is refused (403). caredesk’s own origin (the demo page) is always allowed.',
    schema: originList,
  },
  {
    name: 'WEBCHAT_SECRET',
    expected: 'a random secret of at least 32 characters, e.g. from openssl rand -hex 32',
    description:
      'Shared with your site’s backend, which signs a logged-in visitor’s user id with it (HMAC-SHA256, docs/webchat.md), so that the visitor is the same customer on every visit. Without it, visitors are anonymous only.',
    secret: true,
    schema: z.string().min(32),
  },
] as const satisfies readonly Setting[];

export type SettingName = (typeof SETTINGS)[number]['name'];
export const SETTING_NAMES: readonly SettingName[] = SETTINGS.map((s) => s.name);
