/**
 * Which flows exist and which one starts a conversation. Adding a flow to
 * caredesk itself is a file in flows/ plus one line in `register(...)` below;
 * a project's own flows are added beside these by flows/project/.
 */
import type { AnyStateMachine } from 'xstate';
import type { Channel, FlowCatalog } from '../core/index.js';
import { CaredeskError } from '../core/index.js';
import { careFlow } from './care/flow.js';
import { openingHoursFlow } from './examples/opening-hours.js';
import type { Flow } from './kit/define.js';

export class FlowRegistry implements FlowCatalog {
  private readonly flows = new Map<string, Flow>();
  private readonly perChannel = new Map<string, string>();

  constructor(private defaultFlow = 'care') {}

  register(...flows: Flow[]): this {
    for (const f of flows) this.flows.set(f.name, f);
    return this;
  }

  /** Conversations opened on `channel` start with `flow`. */
  useForChannel(channel: Channel, flow: string): this {
    this.require(flow);
    this.perChannel.set(channel, flow);
    return this;
  }

  setDefault(flow: string): this {
    this.require(flow);
    this.defaultFlow = flow;
    return this;
  }

  get(name: string): AnyStateMachine | undefined {
    return this.flows.get(name)?.machine;
  }

  flow(name: string): Flow | undefined {
    return this.flows.get(name);
  }

  /** The flow, or an error listing the known ones. */
  require(name: string): Flow {
    const f = this.flows.get(name);
    if (!f) {
      throw new CaredeskError(
        'E_FLOW_UNKNOWN',
        `No flow named "${name}". Known flows: ${this.names().join(', ')}. Run \`caredesk flows list\`.`,
        { name },
      );
    }
    return f;
  }

  names(): string[] {
    return [...this.flows.keys()].sort();
  }

  list(): Flow[] {
    return this.names().map((n) => this.flows.get(n)!);
  }

  /** For `new Desk({ flowFor })`. */
  readonly flowFor = (channel: string): string => this.perChannel.get(channel) ?? this.defaultFlow;
}

/** The flows shipped with caredesk. */
export function defaultRegistry(): FlowRegistry {
  return new FlowRegistry('care').register(careFlow, openingHoursFlow);
}
