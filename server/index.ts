/**
 * caredesk's server: configuration, the HTTP app and start-up. Channels mount
 * their routes as a `ServerPlugin`; the CLI calls `loadConfig` and `startServer`.
 */

export {
  type BuildServerOptions,
  buildServer,
  type HealthBody,
  type ProcessReport,
  type ServerContext,
  type ServerPlugin,
} from './app.js';
export {
  type Config,
  type ConfigOverride,
  type FileReader,
  type LoadConfigOptions,
  loadConfig,
  type MicrosoftConfig,
  type TelegramConfig,
} from './config.js';
export { type ErrorBody, HTTP_STATUS, type HttpError, type HttpErrorCode, toHttpError } from './http-errors.js';
export {
  LOG_LEVELS,
  type LogLevel,
  MICROSOFT_APP_TYPES,
  type MicrosoftAppType,
  SETTING_NAMES,
  SETTINGS,
  type Setting,
  type SettingName,
  STORE_KINDS,
  type StoreKind,
} from './settings.js';
export { type ServerHandle, type StartOptions, startServer } from './start.js';
