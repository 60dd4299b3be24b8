/**
 * The local control route: lets `caredesk agents …` on the same machine act
 * through a running server. Work in progress: mounted by server/start.ts.
 */
import type { ServerPlugin } from '../app.js';

export const controlPlugin: ServerPlugin = () => undefined;
