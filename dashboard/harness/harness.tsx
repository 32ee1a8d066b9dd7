// Mounts one dashboard component on its own for the browser component tests (served by Vite's dev server in
// test/browser/dashboard-components.test.ts; never built or shipped). ?component= picks it:
//   waterfall&spans=5000   a generated trace of that many spans (deep chains, errors, orphans)
//   sessions | new-session the real page component against the API (proxied to a local test host)
import { render } from 'preact';
import type { SpanNode, TraceTree } from '../src/api/types';
import { Waterfall } from '../src/components/Waterfall';
import { devSignIn } from '../src/auth/auth';
import { SessionList } from '../src/pages/SessionList';
import { NewSession } from '../src/pages/NewSession';
import '../src/styles.css';

/** A deterministic trace: a root, a fan of children with deep chains, one error in 50, and a few orphans. */
export function generateTrace(count: number): TraceTree {
  const start = Date.parse('2026-12-01T10:00:00.000Z');
  let made = 0;
  const node = (depth: number, offsetInMs: number, parentSpanId?: string): SpanNode => {
    const index = made++;
    const spanId = index.toString(16).padStart(16, '0');
    const durationMs = 5 + ((index * 37) % 400);
    return {
      id: `span:${spanId}`,
      pk: 'demo:ds',
      productId: 'demo',
      sessionId: 'ds',
      itemId: spanId,
      receivedAt: new Date(start).toISOString(),
      docType: 'span',
      traceId: 'f'.repeat(32),
      spanId,
      parentSpanId,
      name: index % 7 === 0 ? `db.query ${index}` : `op ${index} depth ${depth}`,
      spanKind: 'internal',
      startTime: new Date(start + offsetInMs).toISOString(),
      endTime: new Date(start + offsetInMs + durationMs).toISOString(),
      durationMs,
      status: index % 50 === 49 ? { code: 'error', message: 'boom' } : { code: 'ok' },
      attributes: { 'span.index': index, depth },
      redaction: { fieldsRedacted: [], patternsMatched: [] },
      children: [],
    };
  };
  const root = node(0, 0);
  const roots: SpanNode[] = [root];
  const orphanCount = Math.min(5, Math.floor(count / 100));
  let branch = root;
  while (made < count - orphanCount) {
    // Every tenth span starts a new chain under the root; the others go one level deeper.
    const parent = made % 10 === 0 ? root : branch;
    const depth = parent === root ? 1 : Number(parent.attributes?.depth ?? 0) + 1;
    const child = node(depth, made * 3, parent.spanId);
    parent.children.push(child);
    branch = child;
  }
  while (made < count) roots.push({ ...node(0, made * 3, 'e'.repeat(16)), orphan: true });
  const end = Math.max(...[root, ...roots].map((span) => Date.parse(span.endTime)), start + made * 3 + 400);
  return {
    traceId: 'f'.repeat(32),
    spanCount: made,
    truncated: false,
    startTime: root.startTime,
    endTime: new Date(end).toISOString(),
    durationMs: end - start,
    roots,
  };
}

async function mount(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const app = document.getElementById('app')!;
  const component = params.get('component');
  if (component === 'waterfall') {
    const tree = generateTrace(Number(params.get('spans') ?? 5000));
    const started = performance.now();
    render(
      <Waterfall
        tree={tree}
        errorsOnly={params.get('errors') === '1'}
        name={params.get('name') ?? ''}
        maxDepth={params.has('depth') ? Number(params.get('depth')) : undefined}
      />,
      app,
    );
    document.body.dataset.renderMs = String(Math.round(performance.now() - started));
  } else {
    await devSignIn({ role: 'admin', products: ['demo', 'other'] });
    render(component === 'new-session' ? <NewSession /> : <SessionList />, app);
  }
  document.body.dataset.mounted = 'true';
}

void mount();
