/**
 * The Web Chat settings as an operator writes them: defaults, lists of
 * origins, and the values caredesk refuses to start with.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../server/index.js';

describe('Web Chat settings', () => {
  it('Web Chat is on by default, for caredesk’s own page only, with anonymous visitors only', () => {
    expect(loadConfig({}).webchat).toEqual({ enabled: true, allowedOrigins: [], secret: undefined });
  });

  it('reads allowed origins as a list and the secret for identified visitors', () => {
    const config = loadConfig({
      WEBCHAT_ENABLED: 'false',
      WEBCHAT_ALLOWED_ORIGINS: 'https://www.example.com, http://localhost:8080/',
      WEBCHAT_SECRET: 'x'.repeat(32),
    });
    expect(config.webchat).toEqual({
      enabled: false,
      allowedOrigins: ['https://www.example.com', 'http://localhost:8080'],
      secret: 'x'.repeat(32),
    });
  });

  it('refuses an origin with a path and a short secret, without echoing the secret', () => {
    expect(() => loadConfig({ WEBCHAT_ALLOWED_ORIGINS: 'https://www.example.com/shop' })).toThrow(
      /WEBCHAT_ALLOWED_ORIGINS is "https:\/\/www.example.com\/shop"; expected web origins/,
    );
    expect(() => loadConfig({ WEBCHAT_SECRET: 'short-secret' })).toThrow(
      /WEBCHAT_SECRET is a hidden value of 12 characters; expected a random secret of at least 32 characters/,
    );
  });
});
