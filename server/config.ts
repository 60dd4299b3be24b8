/**
 * caredesk's configuration: environment variables over an optional JSON
 * config file (CAREDESK_CONFIG) over defaults, checked once at start-up. A
 * wrong value stops caredesk with a message naming the setting, the value
 * and what is allowed, for every wrong value at once.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError, type DeskConfig, parseDeskConfig } from '../core/index.js';
import { type FlowSetup, locateConfigFile, parseFlowSetup } from '../flows/project/config.js';
import {
  type LogLevel,
  type MicrosoftAppType,
  SETTING_NAMES,
  SETTINGS,
  type Setting,
  type SettingName,
  type StoreKind,
} from './settings.js';

export interface TelegramConfig {
  readonly botToken: string | undefined;
  readonly apiRoot: string | undefined;
  readonly webhookUrl: string | undefined;
  readonly webhookSecret: string | undefined;
  /** Messages per second for the whole bot, and per chat (TELEGRAM_RATE_LIMIT, TELEGRAM_CHAT_RATE_LIMIT). */
  readonly ratePerSecond: number;
  readonly chatRatePerSecond: number;
}

export interface MicrosoftConfig {
  readonly appId: string | undefined;
  readonly appPassword: string | undefined;
  readonly appTenantId: string | undefined;
  readonly appType: MicrosoftAppType | undefined;
  /** Hosts Bot Framework replies may go to besides the defaults (`*.example.com` patterns allowed). */
  readonly serviceUrlHosts: readonly string[] | undefined;
}

/** Web Chat over caredesk's own Direct Line (bots/directline, docs/webchat.md). */
export interface WebchatConfig {
  readonly enabled: boolean;
  /** Origins (`https://www.example.com`) whose pages may call /directline; caredesk's own is always allowed. */
  readonly allowedOrigins: readonly string[];
  /** Signs identified visitors' user ids (HMAC-SHA256); undefined: anonymous visitors only. */
  readonly secret: string | undefined;
}

export interface DatabaseConfig {
  /** DATABASE_URL; undefined unless set. */
  readonly url: string | undefined;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Absolute. */
  readonly dataDir: string;
  /** This process's name among the desk's (CAREDESK_PROCESS_NAME). */
  readonly processName: string;
  readonly store: StoreKind;
  readonly fsync: boolean;
  /** The PostgreSQL store's database (CAREDESK_STORE=postgres). */
  readonly database: DatabaseConfig;
  /** Delivery of replies: one send's time limit, and how long a reply is tried before it is failed (ms). */
  readonly replies: { readonly timeoutMs: number; readonly giveUpAfterMs: number };
  /** Files agents fetch from channels and send to customers: the largest one, in bytes (CAREDESK_ATTACHMENT_MAX_SIZE). */
  readonly attachments: { readonly maxBytes: number };
  readonly logLevel: LogLevel;
  /** Agents, not only supervisors, may merge customers and undo a merge (CAREDESK_AGENTS_MAY_MERGE). */
  readonly agentsMayMerge: boolean;
  /** The care bot's knowledge base folder (absolute); undefined: the one caredesk ships. */
  readonly knowledgeDir: string | undefined;
  /** Addresses (or CIDR ranges) of the reverse proxies whose X-Forwarded-For is believed; none by default. */
  readonly trustProxy: readonly string[] | undefined;
  readonly telegram: TelegramConfig;
  readonly microsoft: MicrosoftConfig;
  readonly webchat: WebchatConfig;
  /** The human side (SLA, routing, reopen…): the config file's `desk` section, defaults otherwise. */
  readonly desk: DeskConfig;
  /** The config file that was read (absolute), if any. */
  readonly configFile: string | undefined;
  /** The project's flows: the config file's `flows` section (docs/flows.md); undefined: the flows caredesk ships. */
  readonly flows?: FlowSetup | undefined;
}

/** A value given on the command line; `label` (e.g. `--port`) is what error messages call it. */
export interface ConfigOverride {
  readonly value: string;
  readonly label: string;
}

export interface LoadConfigOptions {
  /** Command-line values; they win over the environment. */
  readonly overrides?: Partial<Record<SettingName, ConfigOverride>>;
  /** A config file named on the command line; it wins over CAREDESK_CONFIG. */
  readonly configFile?: ConfigOverride;
  /** Where relative paths start (default: the working directory). */
  readonly cwd?: string;
}

export type FileReader = (path: string) => string;

const readUtf8: FileReader = (path) => readFileSync(path, 'utf8');

type Parsed = { -readonly [S in (typeof SETTINGS)[number] as S['name']]: z.output<S['schema']> | undefined };

interface Raw {
  readonly value: unknown;
  /** How messages name where it came from: `PORT`, `--port`, `PORT in /etc/caredesk.json`. */
  readonly label: string;
  readonly fromFile: boolean;
}

export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  fileReader: FileReader = readUtf8,
  options: LoadConfigOptions = {},
): Config {
  const cwd = options.cwd ?? process.cwd();
  const configPath = options.configFile ?? configFromEnv(env.CAREDESK_CONFIG) ?? projectConfig(cwd);
  const configFile = configPath === undefined ? undefined : resolve(cwd, configPath.value);
  const file: ConfigFile =
    configFile === undefined || configPath === undefined ? {} : readConfigFile(configFile, configPath, fileReader);

  const problems: string[] = [];
  const parsed: Partial<Record<SettingName, unknown>> = {};
  const sources: Partial<Record<SettingName, Raw>> = {};
  for (const setting of SETTINGS as readonly Setting[]) {
    const name = setting.name as SettingName;
    const raw = pickRaw(name, options.overrides?.[name], env[name], file[name], configFile);
    if (raw === undefined && setting.default === undefined) continue;
    const input = raw ?? { value: setting.default, label: name, fromFile: false };
    const result = setting.schema.safeParse(typeof input.value === 'string' ? input.value.trim() : input.value);
    if (result.success) {
      parsed[name] = result.data;
      sources[name] = input;
    } else {
      problems.push(`${input.label} is ${show(input.value, setting)}; expected ${setting.expected}`);
    }
  }
  const values = parsed as Parsed;
  problems.push(...crossChecks(values, sources));
  if (problems.length > 0) throw configError(problems);
  const desk = parseDesk(file.desk, configFile);
  const flows = configFile === undefined ? undefined : parseFlowSetup(file.flows, configFile);

  // A relative data directory in a config file means "next to the file", like paths in tsconfig.json.
  const dataDirBase = sources.CAREDESK_DATA_DIR?.fromFile && configFile ? dirname(configFile) : cwd;
  return {
    port: values.PORT!,
    host: values.HOST!,
    dataDir: resolve(dataDirBase, values.CAREDESK_DATA_DIR!),
    processName: values.CAREDESK_PROCESS_NAME ?? `${hostname()}:${process.pid}`,
    store: values.CAREDESK_STORE!,
    fsync: values.CAREDESK_FSYNC!,
    database: {
      url: values.DATABASE_URL,
      poolSize: values.CAREDESK_DATABASE_POOL_SIZE!,
      statementTimeoutMs: values.CAREDESK_DATABASE_STATEMENT_TIMEOUT!,
    },
    replies: { timeoutMs: values.CAREDESK_REPLY_TIMEOUT!, giveUpAfterMs: values.CAREDESK_REPLY_GIVE_UP! },
    attachments: { maxBytes: values.CAREDESK_ATTACHMENT_MAX_SIZE! },
    logLevel: values.LOG_LEVEL!,
    agentsMayMerge: values.CAREDESK_AGENTS_MAY_MERGE!,
    knowledgeDir: values.CAREDESK_KNOWLEDGE_DIR === undefined ? undefined : resolve(cwd, values.CAREDESK_KNOWLEDGE_DIR),
    trustProxy: values.TRUST_PROXY,
    telegram: {
      botToken: values.TELEGRAM_BOT_TOKEN,
      apiRoot: values.TELEGRAM_API_ROOT,
      webhookUrl: values.TELEGRAM_WEBHOOK_URL,
      webhookSecret: values.TELEGRAM_WEBHOOK_SECRET,
      ratePerSecond: values.TELEGRAM_RATE_LIMIT!,
      chatRatePerSecond: values.TELEGRAM_CHAT_RATE_LIMIT!,
    },
    microsoft: {
      appId: values.MICROSOFT_APP_ID,
      appPassword: values.MICROSOFT_APP_PASSWORD,
      appTenantId: values.MICROSOFT_APP_TENANT_ID,
      appType: values.MICROSOFT_APP_TYPE,
      serviceUrlHosts: values.BOTFRAMEWORK_SERVICE_URL_HOSTS,
    },
    webchat: {
      enabled: values.WEBCHAT_ENABLED!,
      allowedOrigins: values.WEBCHAT_ALLOWED_ORIGINS ?? [],
      secret: values.WEBCHAT_SECRET,
    },
    desk,
    configFile,
    flows,
  };
}

/** The `desk` section is structured (policies, rules, teams), so it lives in the file only. */
function parseDesk(raw: unknown, configFile: string | undefined): DeskConfig {
  try {
    return parseDeskConfig(raw ?? {});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(
      `${err.message.replace(/\.?$/, '')} (the "desk" section of ${configFile}). See docs/queue.md.`,
      {
        file: configFile,
      },
    );
  }
}

/** A flow project's caredesk.config.json in the working directory is read without being named. */
function projectConfig(cwd: string): ConfigOverride | undefined {
  const found = locateConfigFile({ cwd, env: {} });
  return found === undefined ? undefined : { value: found, label: 'caredesk.config.json' };
}

function configFromEnv(value: string | undefined): ConfigOverride | undefined {
  const path = nonEmpty(value);
  return path === undefined ? undefined : { value: path, label: 'CAREDESK_CONFIG' };
}

// An empty variable (`PORT=` in a compose file) means "not set", as most tools read it.
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function pickRaw(
  name: SettingName,
  override: ConfigOverride | undefined,
  envValue: string | undefined,
  fileValue: unknown,
  configFile: string | undefined,
): Raw | undefined {
  if (override !== undefined) return { value: override.value, label: override.label, fromFile: false };
  if (nonEmpty(envValue) !== undefined) return { value: envValue, label: name, fromFile: false };
  if (fileValue !== undefined && fileValue !== null && fileValue !== '') {
    return { value: fileValue, label: `${name} in ${configFile}`, fromFile: true };
  }
  return undefined;
}

type ConfigFile = Partial<Record<SettingName, unknown>> & { readonly desk?: unknown; readonly flows?: unknown };

/** Keys of the config file besides the settings table. */
const SECTIONS = ['desk', 'flows'] as const;

function readConfigFile(file: string, given: ConfigOverride, read: FileReader): ConfigFile {
  let text: string;
  try {
    text = read(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'that file does not exist' : `it cannot be read (${(err as Error).message})`;
    throw new ConfigError(
      `${given.label} is ${JSON.stringify(given.value)} but ${why}. Fix the path, or leave out ${given.label} to use environment variables only.`,
      { file },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`Config file ${file} is not valid JSON (${(err as Error).message}).`, { file });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError(`Config file ${file} must hold one JSON object, e.g. {"PORT": 3978}.`, { file });
  }
  const known: readonly string[] = [...SETTING_NAMES, ...SECTIONS];
  const unknown = Object.keys(json).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      `Config file ${file} has unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}. Known settings: ${known.join(', ')}.`,
      { file, unknown },
    );
  }
  return json as ConfigFile;
}

function crossChecks(values: Parsed, sources: Partial<Record<SettingName, Raw>>): string[] {
  const problems: string[] = [];
  const label = (name: SettingName): string => sources[name]?.label ?? name;
  if (values.MICROSOFT_APP_PASSWORD !== undefined && values.MICROSOFT_APP_ID === undefined) {
    problems.push(`${label('MICROSOFT_APP_PASSWORD')} is set but MICROSOFT_APP_ID is not; set both, or neither`);
  }
  if (values.MICROSOFT_APP_TYPE === 'SingleTenant' && values.MICROSOFT_APP_TENANT_ID === undefined) {
    problems.push(
      `${label('MICROSOFT_APP_TYPE')} is "SingleTenant" but MICROSOFT_APP_TENANT_ID is not set; set the tenant id`,
    );
  }
  if (values.TELEGRAM_WEBHOOK_URL !== undefined && values.TELEGRAM_WEBHOOK_SECRET === undefined) {
    problems.push(
      `${label('TELEGRAM_WEBHOOK_URL')} is set but TELEGRAM_WEBHOOK_SECRET is not; without a secret anyone could post updates, so set one (e.g. openssl rand -hex 32)`,
    );
  }
  if (values.CAREDESK_STORE === 'postgres' && values.DATABASE_URL === undefined) {
    problems.push(
      `${label('CAREDESK_STORE')} is "postgres" but DATABASE_URL is not set; set it to the database's URL, e.g. postgres://caredesk:secret@localhost:5432/caredesk`,
    );
  }
  if (values.TELEGRAM_WEBHOOK_URL !== undefined && values.TELEGRAM_BOT_TOKEN === undefined) {
    problems.push(`${label('TELEGRAM_WEBHOOK_URL')} is set but TELEGRAM_BOT_TOKEN is not; set the bot's token`);
  }
  return problems;
}

function show(value: unknown, setting: Setting): string {
  if (setting.secret) {
    return typeof value === 'string' ? `a hidden value of ${value.length} characters` : `a hidden ${typeof value}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'string' ? JSON.stringify(value) : `${JSON.stringify(value)} (a JSON ${jsonType(value)})`;
}

function jsonType(value: unknown): string {
  return Array.isArray(value) ? 'array' : 'object';
}

function configError(problems: string[]): ConfigError {
  const message =
    problems.length === 1
      ? `${problems[0]}.`
      : `The configuration has ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
  return new ConfigError(message, { problems });
}
