/**
 * What `caredesk agents`, `report`, `customers` and `backup` can ask of a data directory.
 * The same object answers whether the CLI opened the store itself or talks
 * to the server that owns it: the server's control route calls these, the
 * CLI's client implements them over HTTP.
 */
import { resolve } from 'node:path';
import {
  type CustomerExport,
  type ErasureResult,
  eraseCustomerData,
  exportCustomer,
} from '../../core/customer-data/index.js';
import {
  type AgentView,
  type BackupAnswer,
  computeKpis,
  EmbeddedStore,
  type HumanDesk,
  InvalidStateError,
  type KpiGrouping,
  type KpiSummary,
  type NewAgent,
  NotFoundError,
  type PublicAgent,
} from '../../core/index.js';

export interface DeskOperations {
  /** The token in the answer is the only time anyone sees it. */
  createAgent(input: NewAgent): Promise<{ agent: PublicAgent; token: string }>;
  listAgents(): Promise<AgentView[]>;
  /** The agent as it was; their conversations (`load`) went back to the queue. */
  removeAgent(id: string): Promise<{ agent: AgentView }>;
  /** The old token stops working at once. */
  rotateToken(id: string): Promise<{ agent: PublicAgent; token: string }>;
  kpis(since: Date, by: KpiGrouping): Promise<KpiSummary>;
  exportCustomer(id: string): Promise<CustomerExport>;
  /** By the operator (no agent): the audit event says `by: operator`. */
  eraseCustomer(id: string, reason: string): Promise<ErasureResult>;
  /** A consistent copy of the embedded store's data directory into `dir` (absolute, new or empty). */
  backup(dir: string): Promise<BackupAnswer>;
}

export function localOperations(human: HumanDesk): DeskOperations {
  const find = async (id: string): Promise<AgentView> => {
    const agent = (await human.listAgents()).find((a) => a.id === id);
    if (!agent) throw new NotFoundError('agent', id);
    return agent;
  };
  return {
    createAgent: (input) => human.createAgent(input),
    listAgents: () => human.listAgents(),
    async removeAgent(id) {
      const agent = await find(id);
      await human.removeAgent(id);
      return { agent };
    },
    async rotateToken(id) {
      const { load: _load, freeCapacity: _free, ...agent } = await find(id);
      const { token } = await human.rotateToken(id);
      return { agent, token };
    },
    async kpis(since, by) {
      const store = human.desk.store;
      // One `now` for both passes, so that the groups add up to the total.
      const now = human.desk.clock.now();
      const groups = await computeKpis(store, { since, now, by });
      const { all } = await computeKpis(store, { since, now });
      return { since: since.toISOString(), now: now.toISOString(), by, groups, all: all ?? null };
    },
    exportCustomer: (id) => exportCustomer(human.desk.store, id, human.desk.clock.now()),
    eraseCustomer: (id, reason) => eraseCustomerData(human.desk, { customerId: id, reason }),
    async backup(dir) {
      const store = human.desk.store;
      if (!(store instanceof EmbeddedStore)) {
        throw new InvalidStateError(
          'caredesk backup copies the embedded store; back up a PostgreSQL desk with pg_dump or pg_basebackup (docs/privacy.md).',
        );
      }
      const target = resolve(dir);
      const { bytes, journalPosition } = await store.backup(target);
      return { dir: target, bytes, journalPosition, at: human.desk.clock.now().toISOString() };
    },
  };
}
