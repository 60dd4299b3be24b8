/**
 * A flow as a diagram: Mermaid `stateDiagram-v2` (renders on GitHub) or
 * Graphviz dot, read from the machine definition itself, so the picture
 * cannot drift from the code. Guards show by name (`event [guardName]`), a
 * transition without a target (the flow answers and stays) as a self-loop,
 * and a state with states inside as a box of its own (Mermaid composite
 * state, dot cluster) with its initial arrow.
 */
import type { AnyStateMachine } from 'xstate';

interface TransitionDef {
  readonly target?: readonly Node[];
  readonly guard?: unknown;
}

interface Node {
  readonly key: string;
  readonly id: string;
  readonly type: string;
  readonly parent?: Node;
  readonly states: Record<string, Node>;
  readonly initial?: { target: readonly Node[] };
  readonly transitions: Map<string, readonly TransitionDef[]>;
  readonly always?: readonly TransitionDef[];
}

interface Edge {
  readonly from: Node;
  readonly to: Node;
  readonly label: string;
}

const safe = (id: string): string => id.replace(/[^A-Za-z0-9_]/g, '_');

const isCompound = (node: Node): boolean => Object.keys(node.states).length > 0;

/** XState's built-in event names, as a reader says them. */
function eventLabel(event: string): string {
  return event
    .replace(/^xstate\.after\.(\d+)\..*$/, 'after $1 ms')
    .replace(/^xstate\.done\.state\..*$/, 'done')
    .replace(/^xstate\.done\.actor\.(.*)$/, 'done ($1)')
    .replace(/^xstate\.error\.actor\.(.*)$/, 'error ($1)');
}

/**
 * A guard's name: the key given to `setup({ guards })`, a `{ type }` object's
 * type, a named function's name, `not(…)`/`and(…)`/`or(…)` spelled out.
 */
export function guardName(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const g = guard as { name: string; guards?: unknown[] };
    if (Array.isArray(g.guards)) return `${g.name}(${g.guards.map(guardName).join(', ')})`;
    // An inline arrow function is named after the `guard` key it was written under: no name of its own.
    return g.name && g.name !== 'guard' ? g.name : 'guarded';
  }
  if (typeof guard === 'object' && guard !== null && 'type' in guard) return String(guard.type);
  return 'guarded';
}

function collect(node: Node, edges: Edge[]): void {
  const all: Array<[string, readonly TransitionDef[]]> = [...node.transitions];
  if (node.always?.length) all.push(['always', node.always]);
  for (const [event, defs] of all) {
    let guardedBefore = false;
    for (const def of defs) {
      const guard = def.guard === undefined ? (guardedBefore ? ' [else]' : '') : ` [${guardName(def.guard)}]`;
      guardedBefore ||= def.guard !== undefined;
      const label = `${eventLabel(event)}${guard}`;
      // No target: the flow acts (replies, records) and stays where it is.
      const targets = def.target?.length ? def.target : [node];
      for (const to of targets) edges.push({ from: node, to, label });
    }
  }
  for (const child of Object.values(node.states)) collect(child, edges);
}

function ancestors(node: Node): Node[] {
  const out: Node[] = [];
  for (let n = node.parent; n; n = n.parent) out.push(n);
  return out;
}

/** The innermost state that holds both ends of the edge inside it (the root at worst): where the edge is drawn. */
function home(edge: Edge, root: Node): Node {
  const around = new Set(ancestors(edge.to));
  return ancestors(edge.from).find((a) => around.has(a)) ?? root;
}

export type DiagramFormat = 'mermaid' | 'dot';

export function drawFlow(machine: AnyStateMachine, format: DiagramFormat = 'mermaid'): string {
  const root = machine.root as unknown as Node;
  const collected: Edge[] = [];
  for (const child of Object.values(root.states)) collect(child, collected);
  const seen = new Set<string>();
  const edges = collected.filter((e) => {
    const k = `${e.from.id}>${e.to.id}>${e.label}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const byHome = new Map<Node, Edge[]>();
  for (const e of edges) {
    const h = home(e, root);
    byHome.set(h, [...(byHome.get(h) ?? []), e]);
  }
  const name = (node: Node): string => safe(node.id.replace(`${machine.id}.`, ''));
  return format === 'dot' ? dot(root, byHome, name, machine.id) : mermaid(root, byHome, name);
}

function mermaid(root: Node, byHome: Map<Node, Edge[]>, name: (n: Node) => string): string {
  const lines = ['stateDiagram-v2'];
  const block = (node: Node, indent: string): void => {
    const initial = node.initial?.target[0];
    if (initial) lines.push(`${indent}[*] --> ${name(initial)}`);
    for (const e of byHome.get(node) ?? []) {
      lines.push(`${indent}${name(e.from)} --> ${name(e.to)} : ${e.label.replaceAll(':', ' ')}`);
    }
    for (const child of Object.values(node.states)) {
      if (!isCompound(child)) continue;
      lines.push(`${indent}state ${name(child)} {`);
      block(child, `${indent}  `);
      lines.push(`${indent}}`);
    }
    for (const child of Object.values(node.states)) {
      if (child.type === 'final') lines.push(`${indent}${name(child)} --> [*]`);
    }
  };
  block(root, '  ');
  return `${lines.join('\n')}\n`;
}

function dot(root: Node, byHome: Map<Node, Edge[]>, name: (n: Node) => string, machineId: string): string {
  const lines = [
    `digraph ${safe(machineId)} {`,
    '  rankdir=LR;',
    '  compound=true;',
    '  node [shape=box, style=rounded];',
  ];
  // A state with states inside is a cluster: arrows into it end at its start point, arrows out of it leave its border.
  const start = (node: Node): string => (node === root ? '__start' : `${name(node)}__start`);
  const end = (node: Node): string => (isCompound(node) ? start(node) : name(node));
  const cluster = (node: Node): string => `cluster_${name(node)}`;
  const block = (node: Node, indent: string): void => {
    const initial = node.initial?.target[0];
    if (node === root || isCompound(node)) lines.push(`${indent}${start(node)} [shape=point];`);
    if (initial) lines.push(`${indent}${start(node)} -> ${end(initial)};`);
    for (const child of Object.values(node.states)) {
      if (isCompound(child)) {
        lines.push(`${indent}subgraph ${cluster(child)} {`, `${indent}  label=${JSON.stringify(child.key)};`);
        block(child, `${indent}  `);
        lines.push(`${indent}}`);
      } else {
        lines.push(`${indent}${name(child)}${child.type === 'final' ? ' [shape=doublecircle]' : ''};`);
      }
    }
  };
  block(root, '  ');
  for (const edges of byHome.values()) {
    for (const e of edges) {
      const attrs = [`label=${JSON.stringify(e.label)}`];
      if (e.from !== e.to && isCompound(e.from)) attrs.push(`ltail=${cluster(e.from)}`);
      if (e.from !== e.to && isCompound(e.to)) attrs.push(`lhead=${cluster(e.to)}`);
      lines.push(`  ${end(e.from)} -> ${end(e.to)} [${attrs.join(', ')}];`);
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
