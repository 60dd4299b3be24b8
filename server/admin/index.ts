/**
 * The admin API under /admin/v1: what agents, supervisors and the TUI use.
 * Work in progress: mounted by server/start.ts, routes land here.
 */
import type { ServerPlugin } from '../app.js';

export const adminPlugin: ServerPlugin = () => undefined;
