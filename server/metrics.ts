/**
 * GET /metrics in Prometheus format. Work in progress: mounted by server/start.ts.
 */
import type { ServerPlugin } from './app.js';

export const metricsPlugin: ServerPlugin = () => undefined;
