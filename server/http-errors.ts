/**
 * The one place where errors become HTTP answers: a CaredeskError's `code`
 * picks the status, and every error answer has the same body,
 * `{ error: { code, message } }`. Fastify's own client errors (bad JSON, body
 * too large…) get the same shape and a message that says what to send instead.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { CaredeskError, describeIssues, type ErrorCode, isStoreUnavailable } from '../core/index.js';

/** A Record, so that a new ErrorCode does not compile until it has a status here. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  E_INVALID_INPUT: 400,
  E_TEXT_TOO_LONG: 400,
  E_UNKNOWN_CHANNEL: 400,
  E_NOT_FOUND: 404,
  E_CLAIM_CONFLICT: 409,
  E_FLOW_UNKNOWN: 400,
  E_FLOW_LOAD: 500,
  E_FILE_EXISTS: 409,
  E_TOOL_MISSING: 500,
  E_CONFIG: 500,
  E_LISTEN: 500,
  E_STORE_CORRUPT: 500,
  E_STORE_VERSION: 500,
  E_STORE_LOCKED: 503,
  E_STORE_CLOSED: 503,
  E_STORE_WRITE: 503,
  E_STORE_SCHEMA: 503,
  E_STORE_UNAVAILABLE: 503,
  E_CHANNEL_DOWN: 502,
  E_LINK_CODE: 400,
  E_LINK_UNDONE: 409,
  E_ALREADY_MERGED: 409,
  E_FORBIDDEN: 403,
  E_INVALID_STATE: 409,
  E_UNAUTHORIZED: 401,
  E_RATE_LIMITED: 429,
  E_REPLY_WINDOW_CLOSED: 409,
};

/** Codes of answers that are not a CaredeskError: a server bug. */
export type HttpErrorCode = ErrorCode | 'E_INTERNAL';

export interface ErrorBody {
  readonly error: { readonly code: HttpErrorCode; readonly message: string };
}

export interface HttpError {
  readonly status: number;
  readonly body: ErrorBody;
}

const body = (code: HttpErrorCode, message: string): ErrorBody => ({ error: { code, message } });

/** Fastify's request errors, reworded to say what the client should send. */
const FASTIFY_CLIENT_ERRORS: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_JSON_BODY:
    'The request body is not valid JSON. Send one JSON document with Content-Type: application/json.',
  FST_ERR_CTP_EMPTY_JSON_BODY:
    'The request body is empty but Content-Type is application/json. Send a JSON document, or no Content-Type.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE:
    'This Content-Type is not accepted here. Send JSON with Content-Type: application/json.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large. Send a smaller body.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The request body does not match its Content-Length header.',
  FST_ERR_MAX_PARAM_LENGTH: 'A part of the URL path is too long (over 100 characters); check the id in the URL.',
  FST_ERR_BAD_URL: 'The URL is not valid (a broken %-escape?); encode each path part with encodeURIComponent.',
};

export function toHttpError(err: unknown): HttpError {
  if (err instanceof CaredeskError) return { status: HTTP_STATUS[err.code], body: body(err.code, err.message) };
  if (err instanceof ZodError) {
    return { status: 400, body: body('E_INVALID_INPUT', `The request is not valid: ${describeIssues(err.issues)}.`) };
  }
  const fastifyError = err as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message =
      (fastifyError.code && FASTIFY_CLIENT_ERRORS[fastifyError.code]) ??
      (fastifyError.validation ? `The request is not valid: ${fastifyError.message}.` : String(fastifyError.message));
    return { status, body: body(status === 404 ? 'E_NOT_FOUND' : 'E_INVALID_INPUT', message) };
  }
  return {
    status: 500,
    body: body('E_INTERNAL', 'caredesk failed to handle this request; the server log has the details.'),
  };
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const answer = toHttpError(err);
  // A database that is away is logged once by the store, not once per request.
  if (answer.status >= 500 && !isStoreUnavailable(err)) request.log.error({ err }, 'request failed');
  else request.log.debug({ err }, 'request refused');
  const retryAfter = err instanceof CaredeskError ? err.details.retryAfterSeconds : undefined;
  if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
  else if (isStoreUnavailable(err)) void reply.header('retry-after', '5');
  void reply.status(answer.status).send(answer.body);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  const message = `There is no ${request.method} ${request.url.split('?')[0]} here. See docs/ for the routes caredesk serves.`;
  void reply.status(404).send(body('E_NOT_FOUND', message));
}
