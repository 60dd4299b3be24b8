/**
 * GET /admin/v1/kpis: the desk's KPIs over conversations opened since a
 * moment (`7d` back, or a date), overall or per channel or agent, and the
 * message volume of the last 12 hours for the sparkline.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DurationSchema, hourlyVolume, InvalidInputError } from '../../core/index.js';
import type { ServerContext } from '../app.js';
import { parseInput } from './input.js';

const SinceSchema = z.union([
  DurationSchema,
  z.iso.date().transform((d) => new Date(`${d}T00:00:00.000Z`)),
  z.iso.datetime({ offset: true }).transform((d) => new Date(d)),
]);

const QuerySchema = z
  .object({
    since: z.string().max(64).default('7d'),
    by: z.enum(['channel', 'agent']).optional(),
  })
  .strict();

export function kpiRoutes(scope: FastifyInstance, { desk, human }: ServerContext): void {
  scope.get('/admin/v1/kpis', { config: { parsesQuery: true } }, async (request) => {
    const query = parseInput(QuerySchema, request.query, 'The query');
    const since = parseInput(
      SinceSchema.refine((v) => typeof v === 'number' || !Number.isNaN(v.getTime()), 'not a real date'),
      query.since,
      'since (a duration like 7d or 24h, or an ISO date)',
    );
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
  });
}
