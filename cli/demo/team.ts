/**
 * The demo's team: a supervisor account for the person trying caredesk, and
 * colleagues. One colleague works on their own through the core API (the same
 * calls the admin API makes): takes the most urgent queued case in their
 * language, greets the customer, sorts it out, resolves it, and after a
 * break takes the next one — slower than customers arrive, so the queue the
 * supervisor sees is never empty for long.
 */
import type { Conversation, HumanDesk } from '../../core/index.js';

export interface DemoAccount {
  readonly id: string;
  readonly name: string;
  readonly token: string;
}

export interface DemoTeam {
  readonly supervisor: DemoAccount;
  readonly colleagues: readonly DemoAccount[];
}

export interface TeamWorkOptions {
  /** Before the colleague starts and between two cases (ms). */
  readonly breakMs: number;
  /** Between the colleague's messages in one case (ms). */
  readonly stepMs: number;
  readonly onError?: (err: unknown) => void;
}

const LINES = {
  en: {
    greet: (name: string) => `Hi, this is ${name} from the care team. I have your case now: tell me more?`,
    done: 'Thanks, I have sorted it out: you will see the change within 24 hours. Anything else, just write here.',
  },
  it: {
    greet: (name: string) => `Ciao, sono ${name} del servizio clienti. Ho preso in carico il tuo caso: mi dici di più?`,
    done: 'Grazie, ho sistemato tutto: vedrai la modifica entro 24 ore. Per altro, scrivi pure qui.',
  },
} as const;

/** Creates the supervisor and two colleagues; the tokens are only ever seen here. */
export async function createTeam(human: HumanDesk): Promise<DemoTeam> {
  const make = async (input: Parameters<HumanDesk['createAgent']>[0], presence: 'online' | 'away') => {
    const { agent, token } = await human.createAgent(input);
    await human.setPresence(agent.id, presence);
    return { id: agent.id, name: agent.name, token };
  };
  const supervisor = await make(
    {
      name: 'Sofia',
      role: 'supervisor',
      skills: ['billing', 'network', 'plans'],
      languages: ['en', 'it'],
      capacity: 10,
    },
    'online',
  );
  const tom = await make(
    { name: 'Tom', role: 'agent', skills: ['billing', 'network'], languages: ['en'], capacity: 3 },
    'online',
  );
  const marta = await make(
    { name: 'Marta', role: 'agent', skills: ['billing'], languages: ['it', 'en'], capacity: 3 },
    'away',
  );
  return { supervisor, colleagues: [tom, marta] };
}

/** Lets one colleague work English cases until stopped. */
export function startTeamWork(
  human: HumanDesk,
  colleague: DemoAccount,
  options: TeamWorkOptions,
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: () => void = () => undefined;
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
    });

  const workOne = async (c: Conversation): Promise<void> => {
    const lines = c.language === 'it' ? LINES.it : LINES.en;
    await human.claim(c.id, colleague.id);
    await wait(options.stepMs);
    if (stopped) return;
    await human.reply(c.id, colleague.id, lines.greet(colleague.name));
    await wait(options.stepMs * 4);
    if (stopped) return;
    await human.reply(c.id, colleague.id, lines.done);
    await wait(options.stepMs * 2);
    if (stopped) return;
    await human.resolve(c.id, colleague.id);
  };

  const loop = async (): Promise<void> => {
    await wait(options.breakMs);
    while (!stopped) {
      try {
        const [next] = await human.listConversations({ mode: 'queued', language: 'en', limit: 1 });
        if (next) await workOne(next);
      } catch (err) {
        // The supervisor may have taken that case a moment earlier: take another one next time.
        if (!stopped) options.onError?.(err);
      }
      if (!stopped) await wait(options.breakMs);
    }
  };
  const running = loop();
  return {
    /** Resolves once the step in progress (a claim, a reply) has finished. */
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      wake();
      await running;
    },
  };
}
