/**
 * The TUI's conversation view shows how long the channel still takes a reply
 * (the reply window from the customer's last message), over the admin API's
 * conversation detail (here the in-memory client with the real client's
 * interface, and a fixed clock).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { alice, sam, withConversation } from './helpers/conversation-fixture.js';
import { FakeClient, iso } from './helpers/fake-client.js';
import { KEYS, type RenderedApp, renderApp } from './helpers/render-app.js';

let app: RenderedApp | undefined;
afterEach(() => {
  app?.unmount();
  app = undefined;
});

async function openWithWindow(closesInMs: number): Promise<string> {
  const client = new FakeClient(sam, [sam, alice]);
  withConversation(client, {
    id: 'c_ann',
    mode: 'queued',
    sla: { queuedAt: iso(-3 * 60_000), replyWindowClosesAt: iso(closesInMs) },
  });
  app = await renderApp(client, { columns: 140, rows: 30 });
  await app.see('Ann Example');
  await app.press(KEYS.enter);
  await app.see('Customer');
  return app.frame();
}

describe('the conversation view and the channel’s reply window', () => {
  it('shows the time left to reply', async () => {
    const frame = await openWithWindow(90 * 60_000 + 5_000);
    expect(frame).toContain('reply window 1h30 left');
  });

  it('says when the window has closed', async () => {
    const frame = await openWithWindow(-1_000);
    expect(frame).toContain('reply window closed');
  });
});
