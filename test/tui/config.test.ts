import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER, defaultConfigFile, resolveTuiSettings } from '../../tui/config.js';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'caredesk-tui-config-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

async function configFile(dir: string, content: string): Promise<string> {
  await mkdir(join(dir, 'caredesk'), { recursive: true });
  const path = join(dir, 'caredesk', 'tui.json');
  await writeFile(path, content);
  return path;
}

describe('where caredesk tui connects, and as whom', () => {
  it('the config file is in $XDG_CONFIG_HOME/caredesk, else ~/.config/caredesk', () => {
    expect(defaultConfigFile({ XDG_CONFIG_HOME: '/xdg' }, '/home/ann')).toBe('/xdg/caredesk/tui.json');
    expect(defaultConfigFile({}, '/home/ann')).toBe('/home/ann/.config/caredesk/tui.json');
    // The spec says a relative XDG_CONFIG_HOME is to be ignored.
    expect(defaultConfigFile({ XDG_CONFIG_HOME: 'rel' }, '/home/ann')).toBe('/home/ann/.config/caredesk/tui.json');
  });

  it('flags win over the environment, which wins over the file; without a server, the local default', async () => {
    const xdg = join(home, 'a');
    await configFile(xdg, JSON.stringify({ server: 'http://file:1', token: 'cdk_file', bell: false }));
    const env = { XDG_CONFIG_HOME: xdg };
    expect(await resolveTuiSettings({}, env, home)).toEqual({
      server: 'http://file:1',
      token: 'cdk_file',
      bell: false,
    });
    expect(
      await resolveTuiSettings({}, { ...env, CAREDESK_SERVER: 'http://env:2', CAREDESK_TOKEN: 'cdk_env' }, home),
    ).toEqual({ server: 'http://env:2', token: 'cdk_env', bell: false });
    expect(
      await resolveTuiSettings(
        { server: 'https://flag.example/', token: 'cdk_flag', bell: true },
        { ...env, CAREDESK_SERVER: 'http://env:2', CAREDESK_TOKEN: 'cdk_env' },
        home,
      ),
    ).toEqual({ server: 'https://flag.example', token: 'cdk_flag', bell: true });
    expect(await resolveTuiSettings({ token: 't' }, { XDG_CONFIG_HOME: join(home, 'none') }, home)).toEqual({
      server: DEFAULT_SERVER,
      token: 't',
      bell: true,
    });
  });

  it('no token anywhere: says where to put one', async () => {
    await expect(resolveTuiSettings({}, { XDG_CONFIG_HOME: join(home, 'none') }, home)).rejects.toThrow(
      /No agent token\. Pass --token, set CAREDESK_TOKEN, or put "token" in .*caredesk\/tui\.json/,
    );
  });

  it('a broken config file or a bad server URL is named, and the token never appears in a message', async () => {
    const xdg = join(home, 'b');
    const path = await configFile(xdg, '{ "token": "cdk_secret", ');
    await expect(resolveTuiSettings({}, { XDG_CONFIG_HOME: xdg }, home)).rejects.toThrow(`${path} is not valid JSON`);
    await configFile(xdg, JSON.stringify({ token: 'cdk_secret', colour: 'red' }));
    const invalid = resolveTuiSettings({}, { XDG_CONFIG_HOME: xdg }, home);
    await expect(invalid).rejects.toThrow(/is invalid: .*colour/);
    await expect(invalid).rejects.not.toThrow(/cdk_secret/);
    const badUrl = resolveTuiSettings({ server: 'ftp://x', token: 'cdk_secret' }, {}, home);
    await expect(badUrl).rejects.toThrow('The server "ftp://x" is not an http(s) URL');
    await expect(badUrl).rejects.not.toThrow(/cdk_secret/);
    await expect(resolveTuiSettings({ config: join(home, 'missing.json') }, {}, home)).rejects.toThrow(
      /Cannot read the TUI config file .*missing\.json \(ENOENT\)/,
    );
  });
});
