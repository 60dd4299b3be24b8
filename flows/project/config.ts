/**
 * A flow project: a folder with `caredesk.config.json`, whose `flows` section
 * names the project's flow files and which channel starts which flow. It is
 * the same file `caredesk serve` reads its settings from (docs/configuration.md).
 *
 *   { "flows": { "files": { "greeter": "flows/greeter.ts" },
 *                "default": "greeter", "channels": { "telegram": "care" }, "care": true } }
 *
 * Which file: `--config <file>`, else CAREDESK_CONFIG, else `caredesk.config.json`
 * in the current directory, if there is one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { CHANNELS, ConfigError, describeIssues } from '../../core/index.js';

export const PROJECT_CONFIG_FILE = 'caredesk.config.json';

const FlowName = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'use lowercase letters, digits and dashes');

const FlowsSectionSchema = z
  .object({
    /** Flow name → its file, relative to the config file. */
    files: z.record(FlowName, z.string().min(1)).default({}),
    /** The flow conversations start with on a channel not named in `channels` (default: care, or the only project flow). */
    default: FlowName.optional(),
    channels: z.partialRecord(z.enum(CHANNELS), FlowName).default({}),
    /** The care flow caredesk ships stays available (default true). */
    care: z.boolean().default(true),
  })
  .strict();

/** The `flows` section, with the files made absolute. */
export interface FlowSetup {
  /** Flow name → absolute path of its file. */
  readonly files: Readonly<Record<string, string>>;
  readonly default: string | undefined;
  readonly channels: Readonly<Partial<Record<(typeof CHANNELS)[number], string>>>;
  readonly care: boolean;
  /** The config file it was read from (absolute). */
  readonly configFile: string;
}

/** Parses the `flows` section of `configFile`; undefined when there is none. */
export function parseFlowSetup(raw: unknown, configFile: string): FlowSetup | undefined {
  if (raw === undefined) return undefined;
  const parsed = FlowsSectionSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      `The "flows" section of ${configFile} is invalid: ${describeIssues(parsed.error.issues)}. See docs/flows.md.`,
      { file: configFile },
    );
  }
  const base = dirname(configFile);
  const files = Object.fromEntries(Object.entries(parsed.data.files).map(([name, f]) => [name, resolve(base, f)]));
  return { ...parsed.data, default: parsed.data.default, files, configFile };
}

export interface LocateOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `--config <file>`: wins over CAREDESK_CONFIG. */
  readonly configFile?: string;
}

/** The config file to read: `--config`, CAREDESK_CONFIG, or ./caredesk.config.json if it exists. */
export function locateConfigFile(options: LocateOptions = {}): string | undefined {
  const cwd = options.cwd ?? process.cwd();
  const named = options.configFile ?? nonEmpty((options.env ?? process.env).CAREDESK_CONFIG);
  if (named !== undefined) return resolve(cwd, named);
  const here = resolve(cwd, PROJECT_CONFIG_FILE);
  return existsSync(here) ? here : undefined;
}

/**
 * The project's flow setup, for the commands that need no server settings
 * (`chat --flow`, `flows`, the test kit). Undefined outside a project.
 */
export function readFlowSetup(options: LocateOptions = {}): FlowSetup | undefined {
  const file = locateConfigFile(options);
  if (file === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`Config file ${file} cannot be read as JSON (${(err as Error).message}).`, { file });
  }
  const section = typeof json === 'object' && json !== null ? (json as { flows?: unknown }).flows : undefined;
  return parseFlowSetup(section, file);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
