/**
 * GET /admin/v1/kpis: the desk's KPIs over conversations opened since a
 * moment (`7d` back, or a date), overall or per channel or agent, and the
 * message volume of the last 12 hours for the sparkline.
 */
import type { FastifyInstance } from 'fastify';
import { type AnswerOf, hourlyVolume, InvalidInputError, KpiQuerySchema, KpiSinceSchema } from '../../core/index.js';
import type { ServerContext } from '../app.js';
import { parseInput } from './input.js';

export function kpiRoutes(scope: FastifyInstance, { desk, human }: ServerContext): void {
  scope.get(
    '/admin/v1/kpis',
    { config: { parsesQuery: true } },
    async (request): Promise<AnswerOf<'GET /admin/v1/kpis'>> => {
      const query = parseInput(KpiQuerySchema, request.query, 'The query');
      const since = parseInput(KpiSinceSchema, query.since, 'since (a duration like 7d or 24h, or an ISO date)');
      const now = desk.clock.now();
      const from = typeof since === 'number' ? new Date(now.getTime() - since) : since;
      if (Number.isNaN(from.getTime())) {
        throw new InvalidInputError(`since=${query.since} reaches before any date there is; ask for a shorter period.`);
      }
      return {
        since: from.toISOString(),
        now: now.toISOString(),
        by: query.by ?? null,
        kpis: await human.kpis(from, query.by),
        volume: await hourlyVolume(desk.store, now, 12),
      };
    },
  );
}
