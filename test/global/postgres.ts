/**
 * vitest globalSetup: one PostgreSQL server for the whole run (tests make a
 * database each, see test/helpers/postgres.ts). CAREDESK_TEST_DATABASE_URL
 * points the tests at a server of your own instead (a superuser URL).
 */
import type { TestProject } from 'vitest/node';
import { startCluster } from '../helpers/postgres.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const own = process.env.CAREDESK_TEST_DATABASE_URL;
  if (own) {
    project.provide('postgresUrl', own);
    return async () => undefined;
  }
  const cluster = await startCluster();
  project.provide('postgresUrl', cluster.url);
  return () => cluster.destroy();
}
