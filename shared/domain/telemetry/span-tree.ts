// A trace's spans as a tree: children under their parent by parentSpanId, in start order. A span whose
// parent was never received becomes a root marked `orphan`, so partial traces still show everything.
import type { SpanDoc } from './items';

export interface SpanNode extends SpanDoc {
  /** The parent span id names a span this trace does not contain (not received, or dropped). */
  orphan?: true;
  children: SpanNode[];
}

function byStart(left: SpanNode, right: SpanNode): number {
  return left.startTime < right.startTime ? -1 : left.startTime > right.startTime ? 1 : left.spanId < right.spanId ? -1 : 1;
}

export function buildSpanTree(spans: SpanDoc[]): SpanNode[] {
  const nodes = new Map<string, SpanNode>();
  for (const span of spans) if (!nodes.has(span.spanId)) nodes.set(span.spanId, { ...span, children: [] });
  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentSpanId === undefined ? undefined : nodes.get(node.parentSpanId);
    if (parent && parent !== node) parent.children.push(node);
    else if (node.parentSpanId !== undefined && !parent) roots.push({ ...node, orphan: true, children: node.children });
    else roots.push(node);
  }
  // A parent cycle (a→b→a) has no root: surface its members as roots rather than lose them.
  const reachable = new Set<string>();
  const visit = (node: SpanNode) => {
    if (reachable.has(node.spanId)) return;
    reachable.add(node.spanId);
    node.children.forEach(visit);
  };
  roots.forEach(visit);
  for (const node of nodes.values()) {
    if (reachable.has(node.spanId)) continue;
    const root = { ...node, orphan: true as const, children: [] };
    roots.push(root);
    reachable.add(node.spanId);
  }
  const sortDeep = (list: SpanNode[], seen = new Set<SpanNode>()) => {
    list.sort(byStart);
    for (const node of list) {
      if (seen.has(node)) continue;
      seen.add(node);
      sortDeep(node.children, seen);
    }
  };
  sortDeep(roots);
  return roots;
}
