/**
 * The local control route, /control/v1: lets `caredesk agents …` and
 * `caredesk report` act on a data directory while this server owns it (the
 * store's lock keeps them from opening it themselves). It answers calls from
 * this machine only, carrying the secret the server wrote to control.json.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyRequest } from 'fastify';
import {
  ControlBackupBodySchema,
  ControlEraseBodySchema,
  ControlIdParamsSchema,
  ControlKpiQuerySchema,
  type NewAgent,
} from '../../core/index.js';
import type { ServerPlugin } from '../app.js';
import { newControlSecret, removeControlFile, writeControlFile } from './control-file.js';
import { ControlNotLocalError, ControlSecretError } from './errors.js';
import { localOperations } from './operations.js';

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export const controlPlugin: ServerPlugin = (app, { config, human }) => {
  // A memory store has no data directory for a CLI to find, and nothing outlives the process.
  if (config.store !== 'embedded') return;
  const dataDir = config.dataDir;
  const secret = newControlSecret();
  const expected = digest(secret);
  const ops = localOperations(human);

  app.addHook('onRequest', async (request) => {
    if (!isLocalCall(request)) throw new ControlNotLocalError(request.socket.remoteAddress);
    const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    // Hashing first makes both sides the same length, so the comparison takes the same time for any guess.
    if (given === undefined || !timingSafeEqual(digest(given), expected)) throw new ControlSecretError();
  });

  app.get('/control/v1/status', async () => ({ pid: process.pid, dataDir }));
  app.get('/control/v1/agents', async () => ({ agents: await ops.listAgents() }));
  app.post('/control/v1/agents', async (request, reply) => {
    void reply.status(201).header('cache-control', 'no-store');
    return ops.createAgent((request.body ?? {}) as NewAgent);
  });
  app.delete('/control/v1/agents/:id', async (request) =>
    ops.removeAgent(ControlIdParamsSchema.parse(request.params).id),
  );
  app.post('/control/v1/agents/:id/rotate-token', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    return ops.rotateToken(ControlIdParamsSchema.parse(request.params).id);
  });
  app.get('/control/v1/kpis', async (request) => {
    const query = ControlKpiQuerySchema.parse(request.query);
    return ops.kpis(new Date(query.since), query.by);
  });

  app.get('/control/v1/customers/:id/export', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    return ops.exportCustomer(ControlIdParamsSchema.parse(request.params).id);
  });
  app.delete('/control/v1/customers/:id', async (request) => {
    const { reason } = ControlEraseBodySchema.parse(request.body ?? {});
    return ops.eraseCustomer(ControlIdParamsSchema.parse(request.params).id, reason);
  });
  app.post('/control/v1/backup', async (request) => ops.backup(ControlBackupBodySchema.parse(request.body ?? {}).dir));

  app.addHook('onListen', () => {
    try {
      writeControlFile({
        url: loopbackUrl(app.server.address() as AddressInfo),
        pid: process.pid,
        dataDir,
        secret,
        startedAt: new Date().toISOString(),
      });
    } catch (err) {
      app.log.warn(
        { err },
        'could not write control.json: caredesk agents and caredesk report cannot reach this server',
      );
    }
  });
  app.addHook('onClose', async () => {
    removeControlFile(dataDir, secret);
  });
};

/**
 * From this machine: a loopback address, or the server's own address (a
 * server bound to one interface is called on it). A proxy forwarding for
 * someone else is not this machine, whatever its own address.
 */
function isLocalCall(request: FastifyRequest): boolean {
  if (request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined) return false;
  const remote = request.socket.remoteAddress;
  return remote !== undefined && (LOOPBACK.test(remote) || remote === request.socket.localAddress);
}

/** Where a CLI on this machine reaches the server: a wildcard bind answers on loopback too. */
function loopbackUrl(address: AddressInfo): string {
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
