/**
 * Where `caredesk tui` connects, and as whom: flags win over the environment
 * (CAREDESK_SERVER, CAREDESK_TOKEN), which wins over the config file
 * ($XDG_CONFIG_HOME/caredesk/tui.json, else ~/.config/caredesk/tui.json). No
 * message here ever contains the token.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, describeIssues } from '../core/index.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:3978';

export interface TuiFlags {
  readonly server?: string;
  readonly token?: string;
  /** false with --no-bell. */
  readonly bell?: boolean;
  /** Another config file than the default one. */
  readonly config?: string;
}

export interface TuiSettings {
  readonly server: string;
  readonly token: string;
  readonly bell: boolean;
}

const FileSchema = z
  .object({
    server: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
    bell: z.boolean().optional(),
  })
  .strict();

export function defaultConfigFile(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  const base = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(home, '.config');
  return join(base, 'caredesk', 'tui.json');
}

async function readConfigFile(path: string, required: boolean): Promise<z.infer<typeof FileSchema>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`Cannot read the TUI config file ${path} (${(err as NodeJS.ErrnoException).code ?? err}).`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`The TUI config file ${path} is not valid JSON. It holds { "server", "token", "bell" }.`);
  }
  const r = FileSchema.safeParse(json);
  if (!r.success) {
    throw new ConfigError(
      `The TUI config file ${path} is invalid: ${describeIssues(r.error.issues)}. It holds { "server", "token", "bell" }.`,
    );
  }
  return r.data;
}

export async function resolveTuiSettings(
  flags: TuiFlags,
  env: NodeJS.ProcessEnv = process.env,
  home = homedir(),
): Promise<TuiSettings> {
  const path = flags.config ?? defaultConfigFile(env, home);
  const file = await readConfigFile(path, flags.config !== undefined);
  const server = flags.server ?? env.CAREDESK_SERVER ?? file.server ?? DEFAULT_SERVER;
  const token = flags.token ?? env.CAREDESK_TOKEN ?? file.token;
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new ConfigError(`The server "${server}" is not a URL; give one like ${DEFAULT_SERVER}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`The server "${server}" is not an http(s) URL; give one like ${DEFAULT_SERVER}.`);
  }
  if (!token) {
    throw new ConfigError(
      `No agent token. Pass --token, set CAREDESK_TOKEN, or put "token" in ${path}. An administrator issues tokens when adding an agent.`,
    );
  }
  return { server: url.href.replace(/\/+$/, ''), token, bell: flags.bell ?? file.bell ?? true };
}
