// /sessions: the sessions the signed-in user may see, filtered by status, product, dates and target, paged with
// the API's continuation tokens, and refreshed every 5 s while the page is visible.
import { useEffect, useState } from 'preact/hooks';
import { useVisibleInterval } from '../components/visible-interval';
import { api } from '../api';
import type { Page, Session, SessionStatus } from '../api/types';
import { ErrorState, Empty, Loading } from '../components/states';
import { StatusBadge } from '../components/StatusBadge';
import { target, time, timeLeftOrDuration } from '../format';
import { query, setQuery } from '../router';
import { signedIn } from '../auth/auth';

const statuses: SessionStatus[] = ['pending', 'active', 'paused', 'completed', 'cancelled', 'expired'];
export const REFRESH_INTERVAL_MS = 5000;

function dateToIso(value: string | null, endOfDay = false): string | undefined {
  if (!value) return undefined;
  const date = new Date(`${value}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function SessionList() {
  const params = query.value;
  const status = params.get('status') ?? '';
  const product = params.get('product') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const search = params.get('q') ?? '';
  const exactTarget = params.get('target') ?? '';
  const [pages, setPages] = useState<string[]>([]); // continuation tokens of the pages before this one
  const token = params.get('page') ?? undefined;
  const [page, setPage] = useState<Page<Session>>();
  const [error, setError] = useState<unknown>();
  const [now, setNow] = useState(Date.now());
  const requestKey = `${status}|${product}|${from}|${to}|${exactTarget}|${token ?? ''}`;

  const load = (signal?: AbortSignal) =>
    api
      .listSessions(
        {
          status: status ? [status as SessionStatus] : undefined,
          productId: product || undefined,
          from: dateToIso(from),
          to: dateToIso(to, true),
          target: exactTarget.trim() || undefined,
          pageSize: 25,
          continuationToken: token,
        },
        signal,
      )
      .then((result) => {
        setPage(result);
        setError(undefined);
        setNow(Date.now());
      })
      .catch((failure) => {
        if ((failure as Error).name !== 'AbortError') setError(failure);
      });

  useEffect(() => {
    const controller = new AbortController();
    setPage(undefined);
    void load(controller.signal);
    return () => controller.abort();
  }, [requestKey]);
  useVisibleInterval(() => void load(), REFRESH_INTERVAL_MS);

  const needle = search.trim().toLowerCase();
  const rows = (page?.items ?? []).filter((session) => !needle || target(session).value.toLowerCase().includes(needle) || session.id.includes(needle));
  const products = signedIn.value?.products ?? [];

  return (
    <section>
      <div class="page-head">
        <h1>Sessions</h1>
        {signedIn.value?.roles.includes('admin') ? (
          <a class="button primary" href="/sessions/new">
            New session
          </a>
        ) : null}
      </div>
      <form class="filters" role="search" aria-label="Filter sessions" onSubmit={(event) => event.preventDefault()}>
        <label class="field">
          <span>Status</span>
          <select name="status" value={status} onChange={(event) => setQuery({ status: event.currentTarget.value, page: undefined })}>
            <option value="">any</option>
            {statuses.map((value) => (
              <option value={value}>{value}</option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Product</span>
          <select name="product" value={product} onChange={(event) => setQuery({ product: event.currentTarget.value, page: undefined })}>
            <option value="">all of mine</option>
            {products.map((value) => (
              <option value={value}>{value}</option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Created from</span>
          <input type="date" name="from" value={from} onChange={(event) => setQuery({ from: event.currentTarget.value, page: undefined })} />
        </label>
        <label class="field">
          <span>Created to</span>
          <input type="date" name="to" value={to} onChange={(event) => setQuery({ to: event.currentTarget.value, page: undefined })} />
        </label>
        <label class="field">
          <span>Exact target or id, all pages</span>
          <input
            type="search"
            name="target"
            value={exactTarget}
            placeholder="device-42"
            onChange={(event) => setQuery({ target: event.currentTarget.value.trim(), page: undefined })}
          />
        </label>
        <label class="field grow">
          <span>Target or id contains (this page)</span>
          <input type="search" name="q" value={search} placeholder="device-42" onInput={(event) => setQuery({ q: event.currentTarget.value })} />
        </label>
      </form>
      {error ? <ErrorState error={error} retry={() => void load()} /> : null}
      {!page && !error ? <Loading label="Loading sessions…" /> : null}
      {page && rows.length === 0 ? (
        <Empty>{page.items.length ? 'No session on this page matches the target search.' : 'No sessions match these filters.'}</Empty>
      ) : null}
      {page && rows.length > 0 ? (
        <div class="table-wrap">
          <table class="table sessions">
            <caption class="visually-hidden">Sessions, refreshed every 5 seconds</caption>
            <thead>
              <tr>
                <th scope="col">Session</th>
                <th scope="col">Target</th>
                <th scope="col">Product</th>
                <th scope="col">Status</th>
                <th scope="col">Level</th>
                <th scope="col">Started</th>
                <th scope="col">Time</th>
                <th scope="col" class="number">
                  Logs
                </th>
                <th scope="col" class="number">
                  Errors
                </th>
                <th scope="col" class="number">
                  Screenshots
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((session) => {
                const aim = target(session);
                return (
                  <tr key={session.id}>
                    <td>
                      <a href={`/sessions/${session.id}`} class="mono">
                        {session.id.slice(0, 11)}…
                      </a>
                    </td>
                    <td>
                      <span class="muted">{aim.kind}</span> {aim.value}
                    </td>
                    <td>{session.productId}</td>
                    <td>
                      <StatusBadge status={session.status} />
                    </td>
                    <td>{session.collectionLevel}</td>
                    <td>{time(session.startedAt ?? session.createdAt)}</td>
                    <td>{timeLeftOrDuration(session, now)}</td>
                    <td class="number">{session.stats.logCount}</td>
                    <td class="number">{session.stats.errorCount}</td>
                    <td class="number">{session.stats.screenshotCount}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled={pages.length === 0 && !token}
          onClick={() => {
            const previous = pages.slice(0, -1);
            setPages(previous);
            setQuery({ page: pages[pages.length - 1] || undefined });
          }}
        >
          Previous page
        </button>
        <button
          type="button"
          disabled={!page?.continuationToken}
          onClick={() => {
            setPages([...pages, token ?? '']);
            setQuery({ page: page?.continuationToken });
          }}
        >
          Next page
        </button>
      </nav>
    </section>
  );
}
