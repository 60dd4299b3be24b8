/**
 * The flows a command sees: the project's (caredesk.config.json in the
 * working directory, CAREDESK_CONFIG, or --config) beside the shipped ones.
 */
import type { FlowRegistry } from '../../flows/registry.js';

export async function commandRegistry(configFile?: string): Promise<FlowRegistry> {
  const { loadFlowRegistry, readFlowSetup } = await import('../../flows/project/index.js');
  return loadFlowRegistry(readFlowSetup({ configFile }));
}

export const CONFIG_OPTION_HELP =
  "config file with the project's flows (default: CAREDESK_CONFIG, else ./caredesk.config.json)";
