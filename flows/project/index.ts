/** Flow projects: caredesk.config.json's `flows` section, loading the project's flow files, its registry. */
export {
  type FlowSetup,
  type LocateOptions,
  locateConfigFile,
  PROJECT_CONFIG_FILE,
  parseFlowSetup,
  readFlowSetup,
} from './config.js';
export { FlowLoadError, isFlow, loadFlowFile } from './load.js';
export { loadFlowRegistry } from './registry.js';
