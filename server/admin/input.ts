/**
 * The admin API's boundary: every body, query and path parameter is parsed
 * here with its schema from the contract (core/contract), so that a wrong type or a stray field is a 400 that
 * names the field, never a 500 further in.
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { describeIssues, InvalidInputError } from '../../core/index.js';

/** The largest admin request body: a 4,096-character message fits many times over, even fully escaped. */
export const ADMIN_BODY_LIMIT = 64 * 1024;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route parses its own query string with parseInput; every other admin route refuses one (refuseQueries). */
    readonly parsesQuery?: boolean;
  }
}

/** Parses `value` or throws E_INVALID_INPUT naming `what` and each problem. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new InvalidInputError(`${what} is not valid: ${describeIssues(r.error.issues)}. See docs/api.md.`);
  }
  return r.data;
}

/**
 * Routes of `scope` take no query parameters unless their options say
 * `config: { parsesQuery: true }`: a typo such as `?limt=5` is a 400 naming
 * the parameter, on every route, without each one having to remember.
 */
export function refuseQueries(scope: FastifyInstance): void {
  scope.addHook('preValidation', async (request) => {
    if (request.routeOptions.config.parsesQuery) return;
    const names = Object.keys((request.query as object | undefined) ?? {});
    if (names.length === 0) return;
    const shown = names.slice(0, 5).map((n) => JSON.stringify(n.slice(0, 64)));
    throw new InvalidInputError(
      `${request.method} ${request.routeOptions.url} takes no query parameters; remove ${shown.join(', ')}${names.length > 5 ? ' and the rest' : ''}. See docs/api.md.`,
      { parameters: names.slice(0, 5) },
    );
  });
}
