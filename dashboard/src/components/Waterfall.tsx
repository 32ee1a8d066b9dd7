// A trace's waterfall: one row per span under its parent, bars on the trace's time axis. Rows are virtualised
// (only the visible ones and a few around exist in the DOM), so a 5,000-span trace stays responsive. Subtrees
// collapse (also everything below a depth), errors-only and name filters keep each match's ancestors, spans whose
// parent never arrived sit in a labelled group, and a drawer shows the chosen span's attributes and events.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { SpanNode, TraceTree } from '../api/types';
import { duration, time } from '../format';
import { Json } from './Redaction';

export const ROW_HEIGHT = 24;
const OVERSCAN = 10;

export type WaterfallRow =
  { kind: 'span'; node: SpanNode; depth: number; hasChildren: boolean; collapsed: boolean } | { kind: 'group'; label: string; count: number };

export interface WaterfallFilter {
  collapsed: ReadonlySet<string>;
  /** Spans deeper than this are folded into their ancestor at this depth. */
  maxDepth?: number;
  errorsOnly: boolean;
  name: string;
}

function isError(node: SpanNode): boolean {
  return node.status.code === 'error';
}

/** Span ids that match the filter, with every ancestor of a match, or undefined when nothing filters. */
function visibleIds(roots: SpanNode[], filter: WaterfallFilter): Set<string> | undefined {
  const needle = filter.name.trim().toLowerCase();
  if (!filter.errorsOnly && !needle) return undefined;
  const keep = new Set<string>();
  const parentOf = new Map<SpanNode, SpanNode>();
  // Iterative, so a very deep trace cannot overflow the stack; each ancestor is added once (linear in spans).
  const stack = [...roots];
  while (stack.length) {
    const node = stack.pop()!;
    for (const child of node.children) {
      parentOf.set(child, node);
      stack.push(child);
    }
    const matches = (!filter.errorsOnly || isError(node)) && (!needle || node.name.toLowerCase().includes(needle));
    for (let current: SpanNode | undefined = matches ? node : undefined; current && !keep.has(current.spanId); current = parentOf.get(current))
      keep.add(current.spanId);
  }
  return keep;
}

export function flattenTrace(tree: Pick<TraceTree, 'roots'>, filter: WaterfallFilter): WaterfallRow[] {
  const keep = visibleIds(tree.roots, filter);
  const rows: WaterfallRow[] = [];
  const walk = (roots: SpanNode[]) => {
    const stack: Array<{ node: SpanNode; depth: number }> = [...roots].reverse().map((node) => ({ node, depth: 0 }));
    while (stack.length) {
      const { node, depth } = stack.pop()!;
      if (keep && !keep.has(node.spanId)) continue;
      const children = keep ? node.children.filter((child) => keep.has(child.spanId)) : node.children;
      const folded = filter.collapsed.has(node.spanId) || (filter.maxDepth !== undefined && depth >= filter.maxDepth);
      rows.push({ kind: 'span', node, depth, hasChildren: children.length > 0, collapsed: folded && children.length > 0 });
      if (folded) continue;
      for (let index = children.length - 1; index >= 0; index--) stack.push({ node: children[index]!, depth: depth + 1 });
    }
  };
  const orphans = tree.roots.filter((root) => root.orphan);
  walk(tree.roots.filter((root) => !root.orphan));
  if (orphans.length) {
    const before = rows.length;
    rows.push({ kind: 'group', label: 'Orphan spans (their parent was not received)', count: orphans.length });
    walk(orphans);
    if (rows.length === before + 1) rows.pop();
  }
  return rows;
}

function SpanDrawer({ node, onClose }: { node: SpanNode; onClose: () => void }) {
  return (
    <aside class="pane drawer" aria-label="Span detail">
      <div class="page-head">
        <h2>{node.name}</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <dl class="facts">
        <div>
          <dt>Status</dt>
          <dd class={isError(node) ? 'status-error' : ''}>
            {node.status.code}
            {node.status.message ? `: ${node.status.message}` : ''}
          </dd>
        </div>
        <div>
          <dt>Kind</dt>
          <dd>{node.spanKind}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{duration(node.durationMs)}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{time(node.startTime)}</dd>
        </div>
        <div>
          <dt>Span id</dt>
          <dd class="mono">{node.spanId}</dd>
        </div>
        <div>
          <dt>Parent</dt>
          <dd class="mono">{node.parentSpanId ?? 'none (root)'}</dd>
        </div>
      </dl>
      <h3>Attributes</h3>
      {node.attributes && Object.keys(node.attributes).length ? <Json value={node.attributes} label="Attributes" /> : <p class="muted">None.</p>}
      <h3>Events</h3>
      {node.events?.length ? (
        <ul>
          {node.events.map((event) => (
            <li>
              {time(event.time)} <strong>{event.name}</strong>
              {event.attributes ? <Json value={event.attributes} label={`Attributes of ${event.name}`} /> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">None.</p>
      )}
    </aside>
  );
}

export interface WaterfallProps {
  tree: TraceTree;
  /** Filters from the URL (or the test harness); changing them re-flattens. */
  errorsOnly?: boolean;
  name?: string;
  maxDepth?: number;
  selectedSpanId?: string;
  onSelect?: (spanId: string | undefined) => void;
  height?: number;
}

export function Waterfall({ tree, errorsOnly = false, name = '', maxDepth, selectedSpanId, onSelect, height = 560 }: WaterfallProps) {
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [scrollTop, setScrollTop] = useState(0);
  const [selected, setSelected] = useState<string | undefined>(selectedSpanId);
  const viewport = useRef<HTMLDivElement>(null);
  const rows = useMemo(() => flattenTrace(tree, { collapsed, maxDepth, errorsOnly, name }), [tree, collapsed, maxDepth, errorsOnly, name]);
  const start = Date.parse(tree.startTime);
  const total = Math.max(1, tree.durationMs);
  const selectedIndex = rows.findIndex((row) => row.kind === 'span' && row.node.spanId === selected);
  const selectedNode = selectedIndex >= 0 ? (rows[selectedIndex] as Extract<WaterfallRow, { kind: 'span' }>).node : undefined;

  const choose = (spanId: string | undefined) => {
    setSelected(spanId);
    onSelect?.(spanId);
  };
  const toggle = (spanId: string, open?: boolean) => {
    const next = new Set(collapsed);
    const isCollapsed = next.has(spanId);
    if (open === undefined ? isCollapsed : open) next.delete(spanId);
    else next.add(spanId);
    setCollapsed(next);
  };

  // Keep the chosen row in view when the keyboard moves it.
  useEffect(() => {
    const element = viewport.current;
    if (!element || selectedIndex < 0) return;
    const top = selectedIndex * ROW_HEIGHT;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + ROW_HEIGHT > element.scrollTop + element.clientHeight) element.scrollTop = top + ROW_HEIGHT - element.clientHeight;
  }, [selectedIndex]);

  const onKeyDown = (event: KeyboardEvent) => {
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -rows.length, End: rows.length };
    const row = rows[selectedIndex];
    if (event.key in moves) {
      event.preventDefault();
      let index = Math.min(rows.length - 1, Math.max(0, (selectedIndex < 0 ? -1 : selectedIndex) + moves[event.key]!));
      const step = moves[event.key]! > 0 ? 1 : -1;
      while (rows[index]?.kind === 'group' && index + step >= 0 && index + step < rows.length) index += step;
      const target = rows[index];
      if (target?.kind === 'span') choose(target.node.spanId);
    } else if (row?.kind === 'span' && (event.key === 'ArrowRight' || event.key === 'ArrowLeft') && row.hasChildren) {
      event.preventDefault();
      toggle(row.node.spanId, event.key === 'ArrowRight');
    } else if (event.key === 'Escape') {
      choose(undefined);
    }
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const visible = rows.slice(first, last);

  return (
    <div class={selectedNode ? 'split' : ''}>
      <div>
        <p class="muted">
          {tree.spanCount} spans{tree.truncated ? ' (truncated at 5,000)' : ''} · {duration(tree.durationMs)} · {rows.length} rows shown. Arrow keys move,
          Left/Right fold, Escape closes the detail.
        </p>
        <div
          class="waterfall"
          ref={viewport}
          style={{ height: `${height}px` }}
          role="listbox"
          aria-label={`Waterfall of trace ${tree.traceId}`}
          aria-activedescendant={selected && selectedIndex >= 0 ? `span-${selected}` : undefined}
          tabIndex={0}
          onKeyDown={onKeyDown}
          onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
          data-row-count={rows.length}
        >
          <div class="rows" style={{ height: `${rows.length * ROW_HEIGHT}px` }}>
            {visible.map((row, offset) => {
              const index = first + offset;
              const top = `${index * ROW_HEIGHT}px`;
              if (row.kind === 'group') {
                return (
                  <div key={`group-${index}`} class="row group" style={{ top }} role="presentation">
                    <span class="name">
                      {row.label} · {row.count}
                    </span>
                  </div>
                );
              }
              const { node, depth } = row;
              const left = ((Date.parse(node.startTime) - start) / total) * 100;
              const width = (node.durationMs / total) * 100;
              return (
                <div
                  key={node.spanId}
                  id={`span-${node.spanId}`}
                  class="row"
                  style={{ top }}
                  role="option"
                  aria-selected={node.spanId === selected}
                  aria-level={depth + 1}
                  aria-expanded={row.hasChildren ? !row.collapsed : undefined}
                  onClick={() => choose(node.spanId)}
                >
                  <span class="name" style={{ paddingLeft: `${depth * 14}px` }}>
                    {row.hasChildren ? (
                      <button
                        type="button"
                        class="toggle"
                        tabIndex={-1}
                        aria-label={row.collapsed ? `Expand ${node.name}` : `Collapse ${node.name}`}
                        onClick={(event) => (event.stopPropagation(), toggle(node.spanId))}
                      >
                        {row.collapsed ? '▸' : '▾'}
                      </button>
                    ) : (
                      <span class="toggle" />
                    )}
                    <span class={isError(node) ? 'status-error' : ''}>{node.name}</span>
                    <span class="muted">{duration(node.durationMs)}</span>
                  </span>
                  <span class="bar-track">
                    <span class={`bar ${isError(node) ? 'error' : ''}`} style={{ left: `${left}%`, width: `${width}%` }} />
                  </span>
                </div>
              );
            })}
          </div>
        </div>
      </div>
      {selectedNode ? <SpanDrawer node={selectedNode} onClose={() => choose(undefined)} /> : null}
    </div>
  );
}
