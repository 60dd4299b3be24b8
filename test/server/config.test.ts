import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/index.js';
import { type Config, loadConfig } from '../../server/index.js';

const cwd = '/srv/caredesk';
const noFile = (path: string): string => {
  throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
};
const files =
  (contents: Record<string, string>) =>
  (path: string): string => {
    const text = contents[path];
    return text === undefined ? noFile(path) : text;
  };

function load(env: Record<string, string | undefined>, read = noFile): Config {
  return loadConfig(env, read, { cwd });
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('with nothing set, caredesk listens on 127.0.0.1:3978 and keeps data in ./data, fsynced', () => {
    const config = load({});
    expect(config).toMatchObject({
      port: 3978,
      host: '127.0.0.1',
      dataDir: join(cwd, 'data'),
      store: 'embedded',
      fsync: true,
      logLevel: 'info',
      configFile: undefined,
    });
    expect(config.telegram.botToken).toBeUndefined();
    expect(config.microsoft.appId).toBeUndefined();
  });

  it('environment variables set each value', () => {
    const config = load({
      PORT: '8080',
      HOST: '0.0.0.0',
      CAREDESK_DATA_DIR: '/var/lib/caredesk',
      CAREDESK_STORE: 'memory',
      CAREDESK_FSYNC: 'false',
      LOG_LEVEL: 'debug',
      TELEGRAM_BOT_TOKEN: '123456:ABC-def_ghi',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:9001',
      TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/telegram',
      TELEGRAM_WEBHOOK_SECRET: 's3cret_value-1',
      MICROSOFT_APP_ID: '00000000-0000-0000-0000-000000000001',
      MICROSOFT_APP_PASSWORD: 'p@ss word',
      MICROSOFT_APP_TENANT_ID: 'contoso.onmicrosoft.com',
      MICROSOFT_APP_TYPE: 'SingleTenant',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/var/lib/caredesk',
      store: 'memory',
      fsync: false,
      logLevel: 'debug',
      telegram: {
        botToken: '123456:ABC-def_ghi',
        apiRoot: 'http://127.0.0.1:9001',
        webhookUrl: 'https://bot.example.com/telegram',
        webhookSecret: 's3cret_value-1',
      },
      microsoft: {
        appId: '00000000-0000-0000-0000-000000000001',
        appPassword: 'p@ss word',
        appTenantId: 'contoso.onmicrosoft.com',
        appType: 'SingleTenant',
      },
    });
  });

  it('a PORT that is not a number stops start-up with a message naming PORT, the value and what is allowed', () => {
    const err = errorOf(() => load({ PORT: 'abc' }));
    expect(err.code).toBe('E_CONFIG');
    expect(err.message).toBe('PORT is "abc"; expected an integer 0–65535 (0 picks a free port).');
  });

  it.each(['70000', '-1', '3.5', '80 80'])('PORT=%s is refused', (port) => {
    expect(errorOf(() => load({ PORT: port })).message).toContain(`PORT is "${port}"`);
  });

  it('every wrong value is reported at once, one per line', () => {
    const err = errorOf(() => load({ PORT: 'x', CAREDESK_STORE: 'mysql', LOG_LEVEL: 'loud', HOST: 'my host' }));
    expect(err.message).toContain('The configuration has 4 problems:');
    expect(err.message).toContain('  - CAREDESK_STORE is "mysql"; expected one of embedded, memory, postgres');
    expect(err.message).toContain(
      '  - LOG_LEVEL is "loud"; expected one of fatal, error, warn, info, debug, trace, silent',
    );
    expect(err.message).toContain('  - HOST is "my host"');
    expect(err.message).toContain('  - PORT is "x"');
  });

  it('CAREDESK_FSYNC reads true/false and 1/0, in any case, and refuses anything else', () => {
    expect(load({ CAREDESK_FSYNC: 'FALSE' }).fsync).toBe(false);
    expect(load({ CAREDESK_FSYNC: '0' }).fsync).toBe(false);
    expect(load({ CAREDESK_FSYNC: '1' }).fsync).toBe(true);
    expect(errorOf(() => load({ CAREDESK_FSYNC: 'maybe' })).message).toBe(
      'CAREDESK_FSYNC is "maybe"; expected true or false (or 1 or 0).',
    );
  });

  it('an empty variable counts as not set, as in a compose file with PORT=', () => {
    expect(load({ PORT: '', LOG_LEVEL: '  ' })).toMatchObject({ port: 3978, logLevel: 'info' });
  });

  it('a relative CAREDESK_DATA_DIR starts from the working directory', () => {
    expect(load({ CAREDESK_DATA_DIR: 'var/desk' }).dataDir).toBe(join(cwd, 'var/desk'));
  });

  it('a secret that is refused is not echoed in the message', () => {
    const err = errorOf(() => load({ TELEGRAM_WEBHOOK_SECRET: 'has spaces and !' }));
    expect(err.message).toBe(
      'TELEGRAM_WEBHOOK_SECRET is a hidden value of 16 characters; expected 1–256 characters among A–Z, a–z, 0–9, _ and - (Telegram’s rule).',
    );
    expect(err.message).not.toContain('has spaces');
  });

  it('TRUST_PROXY takes addresses and CIDR ranges, comma-separated or as a list in the file, and refuses anything else', () => {
    expect(load({}).trustProxy).toBeUndefined();
    expect(load({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1' }).trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8', '::1']);
    const fromFile = load(
      { CAREDESK_CONFIG: 'caredesk.json' },
      files({ [join(cwd, 'caredesk.json')]: '{"TRUST_PROXY": ["192.168.1.10"]}' }),
    );
    expect(fromFile.trustProxy).toEqual(['192.168.1.10']);
    expect(errorOf(() => load({ TRUST_PROXY: 'true' })).message).toBe(
      'TRUST_PROXY is "true"; expected IP addresses or CIDR ranges of your reverse proxies, comma-separated, e.g. 127.0.0.1 or 10.0.0.0/8,::1.',
    );
  });

  it('BOTFRAMEWORK_SERVICE_URL_HOSTS takes host names, *.domain patterns and addresses; a URL or a port is refused', () => {
    expect(load({}).microsoft.serviceUrlHosts).toBeUndefined();
    expect(
      load({ BOTFRAMEWORK_SERVICE_URL_HOSTS: 'Bot.Example.com, *.example.net,10.0.0.5' }).microsoft.serviceUrlHosts,
    ).toEqual(['bot.example.com', '*.example.net', '10.0.0.5']);
    const fromFile = load(
      { CAREDESK_CONFIG: 'caredesk.json' },
      files({ [join(cwd, 'caredesk.json')]: '{"BOTFRAMEWORK_SERVICE_URL_HOSTS": ["localhost"]}' }),
    );
    expect(fromFile.microsoft.serviceUrlHosts).toEqual(['localhost']);
    for (const wrong of ['https://bot.example.com', 'bot.example.com:443', '*', '*.*.example.com']) {
      expect(errorOf(() => load({ BOTFRAMEWORK_SERVICE_URL_HOSTS: wrong })).message).toContain(
        `BOTFRAMEWORK_SERVICE_URL_HOSTS is "${wrong}"; expected host names`,
      );
    }
  });

  it('a webhook URL must be http(s)', () => {
    expect(errorOf(() => load({ TELEGRAM_WEBHOOK_URL: 'bot.example.com' })).message).toBe(
      'TELEGRAM_WEBHOOK_URL is "bot.example.com"; expected an http(s) URL.',
    );
  });

  it('settings that only make sense together are checked together', () => {
    expect(errorOf(() => load({ MICROSOFT_APP_PASSWORD: 'x' })).message).toContain(
      'MICROSOFT_APP_PASSWORD is set but MICROSOFT_APP_ID is not',
    );
    expect(errorOf(() => load({ MICROSOFT_APP_ID: 'id', MICROSOFT_APP_TYPE: 'SingleTenant' })).message).toContain(
      'MICROSOFT_APP_TENANT_ID is not set',
    );
  });

  it('the PostgreSQL store needs DATABASE_URL, takes a libpq URL with its options, and never echoes it', () => {
    expect(errorOf(() => load({ CAREDESK_STORE: 'postgres' })).message).toContain(
      'CAREDESK_STORE is "postgres" but DATABASE_URL is not set',
    );
    const url = 'postgres://caredesk:s3cret@db.example.com:5432/caredesk?sslmode=require';
    const config = load({ CAREDESK_STORE: 'postgres', DATABASE_URL: url, CAREDESK_DATABASE_STATEMENT_TIMEOUT: '5s' });
    expect(config.database).toEqual({ url, poolSize: 10, statementTimeoutMs: 5_000 });
    const refused = errorOf(() => load({ DATABASE_URL: 'mysql://root:hunter2@db/x' })).message;
    expect(refused).toContain('DATABASE_URL is a hidden value');
    expect(refused).not.toContain('hunter2');
  });

  it('a command-line value wins over the environment, and errors call it by its flag', () => {
    const overrides = { PORT: { value: '9000', label: '--port' } };
    expect(loadConfig({ PORT: '8080' }, noFile, { cwd, overrides }).port).toBe(9000);
    const bad = { PORT: { value: 'nine', label: '--port' } };
    expect(errorOf(() => loadConfig({}, noFile, { cwd, overrides: bad })).message).toContain('--port is "nine"');
  });
});

describe('configuration file (CAREDESK_CONFIG)', () => {
  const file = '/etc/caredesk/caredesk.json';

  it('supplies values that the environment does not set; the environment wins', () => {
    const read = files({ [file]: JSON.stringify({ PORT: 4000, LOG_LEVEL: 'warn', CAREDESK_FSYNC: false }) });
    const config = load({ CAREDESK_CONFIG: file, LOG_LEVEL: 'error' }, read);
    expect(config).toMatchObject({ port: 4000, logLevel: 'error', fsync: false, configFile: file });
  });

  it('a relative path to the file starts from the working directory', () => {
    const read = files({ [resolve(cwd, 'conf/caredesk.json')]: '{"PORT": "4001"}' });
    expect(load({ CAREDESK_CONFIG: 'conf/caredesk.json' }, read).port).toBe(4001);
  });

  it('a relative data directory in the file starts from the file’s directory', () => {
    const read = files({ [file]: '{"CAREDESK_DATA_DIR": "data"}' });
    expect(load({ CAREDESK_CONFIG: file }, read).dataDir).toBe('/etc/caredesk/data');
  });

  it('a wrong value in the file is named with the file', () => {
    const read = files({ [file]: '{"PORT": 99999}' });
    expect(errorOf(() => load({ CAREDESK_CONFIG: file }, read)).message).toBe(
      `PORT in ${file} is 99999; expected an integer 0–65535 (0 picks a free port).`,
    );
  });

  it('a missing file is named, with what to do', () => {
    expect(errorOf(() => load({ CAREDESK_CONFIG: file })).message).toBe(
      `CAREDESK_CONFIG is "${file}" but that file does not exist. Fix the path, or leave out CAREDESK_CONFIG to use environment variables only.`,
    );
  });

  it('a file that is not JSON is named', () => {
    const err = errorOf(() => load({ CAREDESK_CONFIG: file }, files({ [file]: 'PORT=3978' })));
    expect(err.message).toMatch(new RegExp(`^Config file ${file} is not valid JSON`));
  });

  it('a file holding something other than an object says what shape it needs', () => {
    const err = errorOf(() => load({ CAREDESK_CONFIG: file }, files({ [file]: '[1]' })));
    expect(err.message).toBe(`Config file ${file} must hold one JSON object, e.g. {"PORT": 3978}.`);
  });

  it('a misspelt setting in the file is refused, not silently ignored', () => {
    const err = errorOf(() => load({ CAREDESK_CONFIG: file }, files({ [file]: '{"PROT": 1}' })));
    expect(err.message).toContain(`Config file ${file} has unknown setting PROT. Known settings: PORT, HOST,`);
  });

  it('the desk section sets SLA policies and routing; a wrong one is named with the file', () => {
    const desk = { sla: { policies: [{ name: 'fast', firstResponse: '5m', nextResponse: '10m', resolution: '1d' }] } };
    const config = load({ CAREDESK_CONFIG: file }, files({ [file]: JSON.stringify({ desk }) }));
    expect(config.desk.sla.policies).toMatchObject([{ name: 'fast', firstResponse: 300_000 }]);
    const bad = { sla: { policies: [{ name: 'fast', firstResponse: 'soon', nextResponse: '10m', resolution: '1d' }] } };
    const err = errorOf(() => load({ CAREDESK_CONFIG: file }, files({ [file]: JSON.stringify({ desk: bad }) })));
    expect(err.message).toContain('firstResponse');
    expect(err.message).toContain(`the "desk" section of ${file}`);
  });

  it('without a config file the desk runs on default service levels', () => {
    expect(load({}).desk.sla.policies.length).toBeGreaterThan(0);
  });
});

describe('Telegram webhook settings', () => {
  it('a webhook URL without a secret is refused, naming both settings', () => {
    expect(() =>
      loadConfig({ TELEGRAM_BOT_TOKEN: '1:x', TELEGRAM_WEBHOOK_URL: 'https://care.example.com/telegram/webhook' }),
    ).toThrow(/TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not/);
  });
});
