/**
 * The admin API's boundary: every body, query and path parameter is parsed
 * with a zod schema here, so that a wrong type or a stray field is a 400 that
 * names the field, never a 500 further in.
 */
import { z } from 'zod';
import { describeIssues, InvalidInputError } from '../../core/index.js';

/** Parses `value` or throws E_INVALID_INPUT naming `what` and each problem. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new InvalidInputError(`${what} is not valid: ${describeIssues(r.error.issues)}. See docs/api.md.`);
  }
  return r.data;
}

export const IdParamsSchema = z.object({ id: z.string().min(1).max(128) }).strict();

/** Actions without a body accept none, `{}` or `null`. */
export const NoBodySchema = z.union([z.undefined(), z.null(), z.object({}).strict()]);
