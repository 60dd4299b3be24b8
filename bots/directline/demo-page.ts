/**
 * `/webchat/`: a page with Microsoft's Web Chat widget talking to this desk,
 * so a new user sees the channel in a browser at once. The widget's bundle is
 * served from node_modules (botframework-webchat's UMD build): no CDN, the
 * page works on a machine without internet. The page keeps its token in
 * sessionStorage: a reload refreshes it and continues the same conversation,
 * the transcript coming back by watermark.
 */
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

export const WEBCHAT_PAGE_PATH = '/webchat/';

/** botframework-webchat exports only its entry; its UMD bundle sits in dist/ beside lib/. */
const bundlePath = (): string =>
  join(dirname(createRequire(import.meta.url).resolve('botframework-webchat')), '..', 'dist', 'webchat.js');

export function demoPageRoutes(app: FastifyInstance): void {
  app.get('/webchat', async (_request, reply) => reply.redirect(WEBCHAT_PAGE_PATH, 301));
  app.get(WEBCHAT_PAGE_PATH, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(PAGE),
  );
  app.get(`${WEBCHAT_PAGE_PATH}webchat.js`, async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(createReadStream(bundlePath())),
  );
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>caredesk · Web Chat</title>
<style>
  html, body { height: 100%; margin: 0; font-family: system-ui, sans-serif; background: #eef1f5; }
  header { padding: 14px 24px; background: #1f2a37; color: #fff; font-size: 15px; }
  header small { color: #b8c2cc; margin-left: 8px; }
  main { display: flex; justify-content: center; padding: 20px; height: calc(100% - 88px); }
  #webchat { width: 440px; max-width: 100%; height: 100%; background: #fff; border-radius: 10px;
    box-shadow: 0 4px 18px rgba(0, 0, 0, .15); overflow: hidden; }
  #problem { color: #a11; padding: 20px; }
</style>
</head>
<body>
<header><strong>caredesk</strong><small>Microsoft Web Chat, talking to this desk's own Direct Line</small></header>
<main><div id="webchat" role="main"></div></main>
<script src="/webchat/webchat.js"></script>
<script>
(async function () {
  const domain = location.origin + '/directline';
  const key = 'caredesk.webchat';
  async function call(path, token) {
    const res = await fetch(domain + path, {
      method: 'POST',
      headers: token ? { authorization: 'Bearer ' + token } : { 'content-type': 'application/json' },
      body: token ? undefined : '{}',
    });
    if (!res.ok) throw new Error(path + ' answered ' + res.status + ': ' + (await res.text()));
    return res.json();
  }
  try {
    const saved = JSON.parse(sessionStorage.getItem(key) || 'null');
    const resumed = saved ? await call('/tokens/refresh', saved.token).catch(() => undefined) : undefined;
    const session = resumed || (await call('/tokens/generate'));
    sessionStorage.setItem(key, JSON.stringify({ token: session.token }));
    const directLine = window.WebChat.createDirectLine(
      resumed
        ? { domain, token: session.token, conversationId: session.conversationId, watermark: '0' }
        : { domain, token: session.token },
    );
    window.WebChat.renderWebChat(
      { directLine, styleOptions: { hideUploadButton: true, botAvatarInitials: 'CD', userAvatarInitials: 'You' } },
      document.getElementById('webchat'),
    );
  } catch (err) {
    const p = document.createElement('p');
    p.id = 'problem';
    p.textContent = 'The chat could not start: ' + err.message;
    document.getElementById('webchat').appendChild(p);
  }
})();
</script>
</body>
</html>
`;
