/**
 * The contract of caredesk's HTTP APIs: every request, answer and event
 * shape of the admin API (/admin/v1) and the local control route
 * (/control/v1), as zod schemas, defined once.
 *
 * Why in core: the server validates with it, and the TUI and the CLI parse
 * with it; all three already build on core, and none of them may pull in
 * another's libraries (fastify, ink). The shapes are core's records (a
 * conversation, a message, an agent, an event) as they cross the wire, so
 * they are written beside those records, in zod only: nothing here knows HTTP
 * beyond a route's name.
 */
export * from './admin-api.js';
export * from './control-api.js';
export * from './customer-data.js';
export * from './shapes.js';
