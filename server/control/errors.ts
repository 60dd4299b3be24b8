/**
 * Errors of the control route and of reaching it. They reuse the stable codes
 * of core/errors.ts (so HTTP statuses stay in one table) with messages about
 * this route: who may call it, and what to do when the server does not answer.
 */
import { CaredeskError, type ErrorCode } from '../../core/index.js';
import type { HttpErrorCode } from '../http-errors.js';

/** Only this machine may call the control route; anyone else uses the admin API with an agent token. */
export class ControlNotLocalError extends CaredeskError {
  constructor(remoteAddress: string | undefined) {
    super(
      'E_FORBIDDEN',
      'The control route answers calls from this machine only (loopback, not through a proxy). From elsewhere, use the admin API with a supervisor token.',
      { remoteAddress },
    );
  }
}

export class ControlSecretError extends CaredeskError {
  constructor() {
    super(
      'E_UNAUTHORIZED',
      'The control secret is missing or wrong. Run the caredesk command on the server’s machine, as the user that runs the server: it reads the secret from control.json in the data directory.',
    );
  }
}

/**
 * The data directory is locked and its owner cannot be reached for commands:
 * it is not a `caredesk serve` (another command holds it), it is starting or
 * stopping, or its control route does not answer.
 */
export class ControlUnavailableError extends CaredeskError {
  constructor(
    dataDir: string,
    holder: string,
    reason: string,
    advice = 'If it is a caredesk serve, check that it answers (GET /healthz) and run the command again; if it is another caredesk command, wait for it to finish.',
  ) {
    super('E_STORE_LOCKED', `Data directory ${dataDir} is locked by ${holder}, and ${reason}. ${advice}`, {
      dataDir,
      holder,
      reason,
    });
  }
}

/**
 * The control route answered with an error: its code and message are the
 * server's, passed on as they are (`E_INTERNAL` included, the code of HTTP
 * answers for a server-side failure, see server/http-errors.ts).
 */
export class ControlAnswerError extends CaredeskError {
  constructor(code: HttpErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code as ErrorCode, message, details);
  }
}
