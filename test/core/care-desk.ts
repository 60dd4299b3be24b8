/**
 * A desk as caredesk serve composes it (the care flows' engine, then the
 * human side), over a store and a ManualClock, without timers of its own:
 * tests move the clock and call `engine.runDueTimers()`.
 */
import { type Clock, Desk, FlowEngine, HumanDesk, type Store } from '../../core/index.js';
import type { DeskConfigInput } from '../../core/queue/config.js';
import { defaultRegistry } from '../../flows/registry.js';

export interface CareDesk {
  readonly desk: Desk;
  readonly engine: FlowEngine;
  /** Not there (undefined at run time) when built with `config: false`. */
  readonly human: HumanDesk;
}

/** `config`: the human side's; `false`: a desk with the bot only. The engine is started. */
export async function careDesk(store: Store, clock: Clock, config: DeskConfigInput | false = {}): Promise<CareDesk> {
  const registry = defaultRegistry();
  let engine!: FlowEngine;
  let human!: HumanDesk;
  const desk = new Desk({
    store,
    clock,
    flowFor: registry.flowFor,
    engine: (d) => (engine = new FlowEngine(d, { flows: registry, autoTimers: false })),
    human: config === false ? undefined : (d) => (human = new HumanDesk(d, { config })),
  });
  await engine.start();
  return { desk, engine, human };
}
