/**
 * A flow as a diagram: Mermaid `stateDiagram-v2` (renders on GitHub) or
 * Graphviz dot, read from the machine definition itself, so the picture
 * cannot drift from the code.
 */
import type { AnyStateMachine } from 'xstate';

interface Node {
  readonly key: string;
  readonly id: string;
  readonly type: string;
  readonly states: Record<string, Node>;
  readonly initial?: { target: readonly Node[] };
  readonly transitions: Map<string, ReadonlyArray<{ target?: readonly Node[]; guard?: unknown }>>;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
}

const safe = (id: string): string => id.replace(/[^A-Za-z0-9_]/g, '_');

function walk(
  node: Node,
  edges: Edge[],
  finals: Set<string>,
  initials: Array<[string | undefined, string]>,
  parent?: string,
): void {
  for (const child of Object.values(node.states)) {
    if (child.type === 'final') finals.add(child.id);
    for (const [event, defs] of child.transitions) {
      for (const def of defs) {
        for (const target of def.target ?? []) {
          const guard = def.guard ? ' [guarded]' : '';
          edges.push({
            from: child.id,
            to: target.id,
            label: `${event.replace(/^xstate\.after\.(\d+)\..*$/, 'after $1 ms')}${guard}`,
          });
        }
      }
    }
    walk(child, edges, finals, initials, child.id);
  }
  const initial = node.initial?.target[0];
  if (initial) initials.push([parent, initial.id]);
}

export type DiagramFormat = 'mermaid' | 'dot';

export function drawFlow(machine: AnyStateMachine, format: DiagramFormat = 'mermaid'): string {
  const edges: Edge[] = [];
  const finals = new Set<string>();
  const initials: Array<[string | undefined, string]> = [];
  walk(machine.root as unknown as Node, edges, finals, initials);
  const seen = new Set<string>();
  const unique = edges.filter((e) => {
    const k = `${e.from}>${e.to}>${e.label}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const name = (id: string): string => safe(id.replace(`${machine.id}.`, ''));
  if (format === 'dot') {
    const lines = [`digraph ${safe(machine.id)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded];'];
    for (const [parent, id] of initials)
      if (!parent) lines.push(`  __start [shape=point];`, `  __start -> ${name(id)};`);
    for (const f of finals) lines.push(`  ${name(f)} [shape=doublecircle];`);
    for (const e of unique) lines.push(`  ${name(e.from)} -> ${name(e.to)} [label=${JSON.stringify(e.label)}];`);
    lines.push('}');
    return `${lines.join('\n')}\n`;
  }
  const lines = ['stateDiagram-v2'];
  for (const [parent, id] of initials) if (!parent) lines.push(`  [*] --> ${name(id)}`);
  for (const e of unique) lines.push(`  ${name(e.from)} --> ${name(e.to)} : ${e.label.replaceAll(':', ' ')}`);
  for (const f of finals) lines.push(`  ${name(f)} --> [*]`);
  return `${lines.join('\n')}\n`;
}
