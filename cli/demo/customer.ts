/**
 * One simulated customer: a dev chat client (cli/chat/dev-chat.ts) driven
 * by a persona instead of a keyboard. It posts activities to the server's
 * /api/messages and reads the replies that arrive on its own loopback
 * serviceUrl, so the demo exercises the real Bot Framework path. It reacts
 * to what it reads after a human-like pause, pressing the buttons it is
 * offered as a person would.
 */
import { PassThrough, Writable } from 'node:stream';
import { runDevChat } from '../chat/dev-chat.js';
import { type BotLine, classify, NO_BUTTON, type Persona, YES_BUTTON } from './personas.js';

export interface CustomerLine {
  readonly customer: string;
  readonly language: string;
  /** `says`: the customer wrote it; `reads`: the desk (bot or agent) sent it. */
  readonly direction: 'says' | 'reads';
  readonly text: string;
}

export interface CustomerOptions {
  readonly server: string;
  /** Pause before each answer: a random time between the two (ms). */
  readonly thinkMs: readonly [number, number];
  /** Nudge the team when nobody answered within this time after the handoff (ms). */
  readonly nudgeAfterMs: number;
  readonly onLine?: (line: CustomerLine) => void;
  readonly onError?: (err: unknown) => void;
}

export class SimulatedCustomer {
  private readonly input = new PassThrough();
  private readonly timers = new Set<NodeJS.Timeout>();
  private choices: string[] = [];
  /** How many replies were read so far: an answer planned for one reply is dropped if another came since. */
  private replies = 0;
  private answeredHelp = 0;
  private agentLines = 0;
  private heardFromAgent = false;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    readonly persona: Persona,
    private readonly options: CustomerOptions,
  ) {}

  /** Connects and writes the opening line; the conversation then runs on its own until `stop()`. */
  start(): void {
    const output = new Writable({
      decodeStrings: false,
      write: (chunk: string | Buffer, _encoding, done) => {
        this.read(String(chunk));
        done();
      },
    });
    this.running = runDevChat({
      server: this.options.server,
      user: this.persona.name,
      language: this.persona.language === 'it' ? 'it-IT' : 'en-GB',
      input: this.input,
      output,
      lingerMs: 0,
    }).catch((err: unknown) => {
      if (!this.stopped) this.options.onError?.(err);
    });
    this.type(this.persona.opening);
  }

  /** Stops writing; replies still arrive (so that the server can finish its deliveries). */
  halt(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Stops writing and closes its channel. */
  async stop(): Promise<void> {
    this.halt();
    this.input.end();
    await this.running;
  }

  /** One write of the dev chat: a reply (`bot> …`) or the buttons offered with it (`  [1] Yes`). */
  private read(chunk: string): void {
    if (chunk.startsWith('bot> ')) {
      const text = chunk.slice('bot> '.length).trimEnd();
      this.choices = [];
      this.replies++;
      this.options.onLine?.({ ...this.who(), direction: 'reads', text });
      this.react(classify(text));
    } else if (/^\s+\[\d+\] /.test(chunk)) {
      this.choices = chunk
        .split('\n')
        .map((l) => /^\s+\[\d+\] (.*)$/.exec(l)?.[1])
        .filter((t): t is string => t !== undefined);
    }
  }

  private react(line: BotLine): void {
    const p = this.persona;
    if (p.behaviour === 'quiet') return;
    switch (line) {
      case 'didItHelp': {
        const helped =
          p.behaviour === 'satisfied' ||
          p.behaviour === 'asksForPerson' ||
          (p.behaviour === 'secondTry' && this.answeredHelp > 0);
        this.answeredHelp++;
        this.later(() => this.press(helped ? YES_BUTTON : NO_BUTTON, helped ? 'yes' : 'no'));
        return;
      }
      case 'csat':
        this.later(() => this.press(String(p.ratings[0])));
        return;
      case 'effort':
        this.later(() => this.press(String(p.ratings[1])));
        return;
      case 'handedOff':
        if (p.nudge !== undefined) {
          const nudge = p.nudge;
          this.after(this.options.nudgeAfterMs, () => {
            if (!this.heardFromAgent) this.type(nudge);
          });
        }
        return;
      case 'other': {
        // Not one of the flow's lines: a person from the team wrote.
        this.heardFromAgent = true;
        const next = p.toAgent[this.agentLines];
        if (next === undefined) return;
        this.agentLines++;
        this.later(() => this.type(next));
        return;
      }
      default:
        return;
    }
  }

  private press(label: RegExp | string, fallback = String(label)): void {
    const index = this.choices.findIndex((c) => (typeof label === 'string' ? c === label : label.test(c)));
    if (index < 0) {
      this.type(fallback);
      return;
    }
    this.options.onLine?.({ ...this.who(), direction: 'says', text: `[${this.choices[index]}]` });
    this.input.write(`${index + 1}\n`);
  }

  private type(text: string): void {
    if (this.stopped) return;
    this.options.onLine?.({ ...this.who(), direction: 'says', text });
    this.input.write(`${text}\n`);
  }

  private later(fn: () => void): void {
    const [min, max] = this.options.thinkMs;
    const planned = this.replies;
    this.after(min + Math.random() * Math.max(0, max - min), () => {
      if (this.replies === planned) fn();
    });
  }

  private after(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(timer);
  }

  private who(): Pick<CustomerLine, 'customer' | 'language'> {
    return { customer: this.persona.name, language: this.persona.language };
  }
}
