/**
 * The admin API under /admin/v1: what agents, supervisors and the TUI use
 * (docs/api.md). Every route needs an agent's token; bodies are JSON, small,
 * and parsed with zod at the edge; the work is core's (HumanDesk and friends).
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext, ServerPlugin } from '../app.js';
import { actionRoutes } from './actions.js';
import { agentRoutes } from './agents.js';
import { auditRoutes } from './audit.js';
import { LoginThrottle, type LoginThrottleOptions, requireAgent } from './auth.js';
import { cannedRoutes } from './canned.js';
import { conversationRoutes } from './conversations.js';
import { customerRoutes } from './customers.js';
import { type EventStreamOptions, EventStreams, eventRoutes } from './events.js';
import { ADMIN_BODY_LIMIT, refuseQueries } from './input.js';
import { kpiRoutes } from './kpis.js';
import { StreamPresence } from './stream-presence.js';
import { teamRoutes } from './team.js';
import { ViewerRegistry, type ViewerRegistryOptions, viewerRoutes } from './viewers.js';

export { agentOf, bearerToken, LoginThrottle, type LoginThrottleOptions } from './auth.js';
export { EventFeed, type EventFeedOptions } from './event-feed.js';
export { ADMIN_BODY_LIMIT } from './input.js';
export type { Viewer, ViewerActivity } from './viewers.js';
export { ViewerRegistry, type ViewerRegistryOptions } from './viewers.js';

export interface AdminOptions {
  readonly throttle?: LoginThrottleOptions;
  readonly viewers?: ViewerRegistryOptions;
  readonly events?: EventStreamOptions;
}

export function createAdminPlugin(options: AdminOptions = {}): ServerPlugin {
  return (scope: FastifyInstance, context: ServerContext) => {
    // Per server, not per module: two servers in one process (tests) do not share counts or viewers.
    const throttle = new LoginThrottle(options.throttle);
    const viewers = new ViewerRegistry(options.viewers);
    // With several processes, one desk: what the others see of viewers and failed sign-ins counts here too.
    const unshare = [throttle.shareWith(context.desk.live), viewers.shareWith(context.desk.live)];
    const streams = new EventStreams();
    const presence = new StreamPresence(context.human, {
      awayAfterMs: context.human.config.presence.awayAfterDisconnect,
      onError: (err) => scope.log.error({ err }, 'presence did not follow an event stream'),
    });

    acceptEmptyJson(scope);
    requireAgent(scope, context.desk.store, throttle);
    refuseQueries(scope);
    agentRoutes(scope, context);
    teamRoutes(scope, context);
    auditRoutes(scope, context);
    conversationRoutes(scope, context, viewers);
    actionRoutes(scope, context);
    viewerRoutes(scope, context, viewers);
    cannedRoutes(scope, context);
    kpiRoutes(scope, context);
    customerRoutes(scope, context);
    eventRoutes(scope, context, viewers, streams, { ...options.events, presence });

    // Open streams would keep fastify's close waiting for ever.
    scope.addHook('preClose', async () => {
      // A shutdown ends every stream: that is not every agent walking away.
      presence.stop();
      streams.closeAll();
    });
    scope.addHook('onClose', async () => {
      for (const stop of unshare) stop();
      viewers.stop();
    });
  };
}

export const adminPlugin: ServerPlugin = createAdminPlugin();

/**
 * JSON bodies up to ADMIN_BODY_LIMIT, and an empty body with a JSON
 * Content-Type read as no body: clients that always send the header can call
 * `POST …/claim` without inventing a `{}`.
 */
function acceptEmptyJson(scope: FastifyInstance): void {
  const parseJson = scope.getDefaultJsonParser('error', 'error');
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: ADMIN_BODY_LIMIT },
    (request, body, done) => {
      const text = body.toString();
      if (text.trim() === '') done(null, undefined);
      else parseJson(request, text, done);
    },
  );
}
