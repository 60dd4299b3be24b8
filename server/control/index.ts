/**
 * The local control route, /control/v1, and its client: lets `caredesk
 * agents …` and `caredesk report` on the same machine act through a running
 * server that owns the data directory. Mounted by server/start.ts.
 */
export { ControlClient } from './client.js';
export { CONTROL_FILE, type ControlFile, controlFilePath, readControlFile } from './control-file.js';
export { ControlAnswerError, ControlNotLocalError, ControlSecretError, ControlUnavailableError } from './errors.js';
export { type DeskSession, type OpenDeskOptions, openDesk } from './open-desk.js';
export { type DeskOperations, localOperations } from './operations.js';
export { controlPlugin } from './plugin.js';
