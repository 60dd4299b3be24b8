/**
 * docs/api.md against the admin API's contract (core/contract): every route
 * the server has is in the contract, every route in the contract is
 * documented, and the fields each route's line names are its schemas' keys.
 * The convention is docs/api.md's own ("Fields" under Conventions):
 *
 *   > `PUT /admin/v1/me/presence` — body: `presence` · answer: `agent` (an `AgentView`)
 *
 * and the interfaces of its Types block list the fields of the shapes named in TYPES.
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ADMIN_ROUTES,
  type AdminRoute,
  AgentViewSchema,
  ConversationRowSchema,
  ConversationSchema,
  Desk,
  HumanDesk,
  KpisSchema,
  MemoryStore,
  type RouteContract,
  UndeliveredSchema,
  ViewerSchema,
} from '../../core/index.js';
import { adminPlugin } from '../../server/admin/index.js';
import { buildServer, loadConfig } from '../../server/index.js';

const DOC = new URL('../../docs/api.md', import.meta.url);

/** The top-level keys a schema accepts or answers: an object's, a union's together, none for no body. */
function keysOf(schema: z.ZodType | undefined): string[] {
  if (schema === undefined) return [];
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape).sort();
  if (schema instanceof z.ZodUnion) return [...new Set(schema.options.flatMap((o) => keysOf(o as z.ZodType)))].sort();
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault) {
    return keysOf(schema.unwrap() as z.ZodType);
  }
  if (schema instanceof z.ZodUndefined || schema instanceof z.ZodNull) return [];
  throw new Error(`keysOf: no rule for ${schema.constructor.name}; add one`);
}

/** The fields a doc line names: backticked names outside parentheses. */
const namesIn = (text: string): string[] =>
  [...text.replace(/\([^)]*\)/g, '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!).sort();

type DocumentedRoute = Record<string, string[]>;

/** `> \`METHOD /admin/v1/…\` — part: \`a\`, \`b\` · part: …` lines, by route; parts by label (`query`, `body`, `answer`, `frame *`). */
function documentedRoutes(markdown: string): Map<string, DocumentedRoute> {
  const out = new Map<string, DocumentedRoute>();
  for (const line of markdown.split('\n')) {
    const m = /^> `((?:GET|POST|PUT|DELETE) \/admin\/v1\/[^`]*)`(.*)$/.exec(line);
    if (!m) continue;
    const route = m[1]!;
    if (out.has(route)) throw new Error(`docs/api.md lists ${route} twice`);
    const parts: DocumentedRoute = {};
    for (const part of m[2]!.replace(/^\s*—\s*/, '').split(' · ')) {
      const colon = part.indexOf(': ');
      if (colon < 0) continue;
      const label = part.slice(0, colon).replace(/`/g, '').trim();
      parts[label] = namesIn(part.slice(colon + 2));
    }
    out.set(route, parts);
  }
  return out;
}

/** What the contract says each documented part holds. */
function contractParts(contract: RouteContract): DocumentedRoute {
  const parts: DocumentedRoute = {
    query: keysOf(contract.query),
    body: keysOf(contract.body),
    answer: keysOf(contract.answer),
  };
  for (const [name, schema] of Object.entries(contract.frames ?? {})) parts[`frame ${name}`] = keysOf(schema);
  return parts;
}

/** Absent parts are empty: a line that names no body says the route takes none. */
function withEmptyParts(doc: DocumentedRoute, contract: DocumentedRoute): DocumentedRoute {
  const out: DocumentedRoute = {};
  for (const label of new Set([...Object.keys(doc), ...Object.keys(contract)])) out[label] = doc[label] ?? [];
  return out;
}

/** Top-level fields of each `interface Name {…}` (and `type Name = X & {…}`) in the doc's ts blocks. */
function documentedTypes(markdown: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const block of markdown.matchAll(/```ts\n([\s\S]*?)```/g)) {
    for (const m of block[1]!.matchAll(/^(?:interface (\w+)|type (\w+) = [\w ]+&) \{\n([\s\S]*?)^\}/gm)) {
      const fields = [...m[3]!.matchAll(/^ {2}(\w+)\??:/gm)].map((f) => f[1]!).sort();
      out.set((m[1] ?? m[2])!, fields);
    }
  }
  return out;
}

/** The shapes docs/api.md spells out under Types; ConversationRow is documented as `Conversation & {…}`. */
const TYPES: Record<string, string[]> = {
  AgentView: keysOf(AgentViewSchema),
  Viewer: keysOf(ViewerSchema),
  Undelivered: keysOf(UndeliveredSchema),
  Kpis: keysOf(KpisSchema),
  ConversationRow: keysOf(ConversationRowSchema).filter((k) => !(k in ConversationSchema.shape)),
};

describe('the admin API contract and docs/api.md', () => {
  const markdown = readFileSync(DOC, 'utf8');
  const documented = documentedRoutes(markdown);

  it('the server has exactly the routes of the contract', async () => {
    const store = new MemoryStore();
    await store.open();
    const desk = new Desk({ store });
    const config = loadConfig({ CAREDESK_STORE: 'memory', LOG_LEVEL: 'silent' });
    const app = buildServer({
      config,
      desk,
      human: new HumanDesk(desk),
      logger: pino({ level: 'silent' }),
      plugins: [adminPlugin],
    });
    const routes = new Set<string>();
    app.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) {
        if (method !== 'HEAD' && r.url.startsWith('/admin/v1')) routes.add(`${method} ${r.url}`);
      }
    });
    try {
      await app.ready();
    } finally {
      await app.close();
      await store.close();
    }
    expect([...routes].sort()).toEqual(Object.keys(ADMIN_ROUTES).sort());
  });

  it('documents every route of the contract, and no other', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(ADMIN_ROUTES).sort());
  });

  it.each(Object.keys(ADMIN_ROUTES) as AdminRoute[])("%s: the doc's fields are the schema's keys", (route) => {
    const contract = contractParts(ADMIN_ROUTES[route]);
    const doc = documented.get(route) ?? {};
    expect(withEmptyParts(doc, contract)).toEqual(withEmptyParts(contract, doc));
  });

  it.each(Object.keys(TYPES))("the Types block's %s lists the schema's fields", (name) => {
    expect(documentedTypes(markdown).get(name)).toEqual(TYPES[name]);
  });
});
