/**
 * Customers arriving at a steady pace: the first at once, then one every
 * 60/perMinute seconds until `customers` have come. Each keeps talking (or
 * stays quiet) on its own; `stop()` ends them all.
 */
import { type CustomerLine, SimulatedCustomer } from './customer.js';
import { personaAt } from './personas.js';

export interface SimulationOptions {
  readonly server: string;
  readonly customers: number;
  readonly perMinute: number;
  readonly thinkMs: readonly [number, number];
  readonly nudgeAfterMs: number;
  readonly onLine?: (line: CustomerLine) => void;
  readonly onError?: (err: unknown) => void;
}

export class Simulation {
  private readonly customers: SimulatedCustomer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: SimulationOptions) {}

  get arrived(): number {
    return this.customers.length;
  }

  start(): void {
    const every = 60_000 / this.options.perMinute;
    const arrive = (): void => {
      if (this.stopped || this.customers.length >= this.options.customers) return;
      const customer = new SimulatedCustomer(personaAt(this.customers.length), this.options);
      this.customers.push(customer);
      customer.start();
      this.timer = setTimeout(arrive, every);
    };
    arrive();
  }

  /** No more arrivals and nothing more written; the customers' channels still take replies. */
  halt(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const c of this.customers) c.halt();
  }

  async stop(): Promise<void> {
    this.halt();
    await Promise.all(this.customers.map((c) => c.stop()));
  }
}

export type { CustomerLine };
