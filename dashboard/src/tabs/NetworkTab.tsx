// Network: the captured requests (method, URL, status, duration, size), filtered by status class and URL
// substring (in the URL: ?tab=network&status=5xx&url=orders), with a detail pane of masked headers and bodies.
import { api } from '../api';
import type { LogDoc } from '../api/types';
import { Empty, ErrorState, Loading } from '../components/states';
import { usePaged } from '../components/paged';
import { Json, Redaction } from '../components/Redaction';
import { bytes, duration, time } from '../format';
import { query, setQuery } from '../router';
import type { TabProps } from '../pages/SessionDetail';
import { DebouncedInput } from './LogsTab';

type Request = Extract<LogDoc, { docType: 'network' }>;
export const statusClasses = ['2xx', '3xx', '4xx', '5xx', 'failed'] as const;

export function statusClassOf(request: Pick<Request, 'status' | 'error'>): (typeof statusClasses)[number] {
  if (request.error || request.status === undefined || request.status === 0) return 'failed';
  return `${Math.min(5, Math.max(2, Math.floor(request.status / 100)))}xx` as (typeof statusClasses)[number];
}

export function NetworkTab({ session, liveVersion }: TabProps) {
  const params = query.value;
  const status = params.get('status') ?? '';
  const urlFilter = params.get('url') ?? '';
  const item = params.get('item') ?? '';
  const requests = usePaged(
    (continuationToken, signal) => api.listLogs(session.id, { type: 'network', order: 'newest', pageSize: 100, continuationToken }, signal),
    session.id,
    liveVersion,
  );
  const all = (requests.items ?? []).filter((doc): doc is Request => doc.docType === 'network');
  const shown = all.filter(
    (request) => (!status || statusClassOf(request) === status) && (!urlFilter || request.url.toLowerCase().includes(urlFilter.toLowerCase())),
  );
  const selected = all.find((request) => request.itemId === item);

  return (
    <div>
      <div class="filters">
        <label class="field">
          <span>Status</span>
          <select name="status" value={status} onChange={(event) => setQuery({ status: event.currentTarget.value })}>
            <option value="">any</option>
            {statusClasses.map((value) => (
              <option value={value}>{value}</option>
            ))}
          </select>
        </label>
        <DebouncedInput name="url" label="URL contains" value={urlFilter} placeholder="/orders" />
      </div>
      {requests.error ? <ErrorState error={requests.error} retry={requests.reload} /> : null}
      {!requests.items && !requests.error ? <Loading label="Loading requests…" /> : null}
      {requests.items && shown.length === 0 ? <Empty>{all.length ? 'No request matches these filters.' : 'No requests captured yet.'}</Empty> : null}
      {shown.length > 0 ? (
        <div class="split">
          <div class="table-wrap">
            <table class="table network">
              <caption class="visually-hidden">Network requests, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Method</th>
                  <th scope="col">URL</th>
                  <th scope="col" class="number">
                    Status
                  </th>
                  <th scope="col" class="number">
                    Duration
                  </th>
                  <th scope="col" class="number">
                    Size
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((request) => (
                  <tr key={request.id} class={request.itemId === item ? 'selected' : ''}>
                    <td>{time(request.timestamp)}</td>
                    <td>{request.method}</td>
                    <td>
                      <a
                        href={`?${new URLSearchParams({ ...Object.fromEntries(params), item: request.itemId })}`}
                        aria-current={request.itemId === item ? 'true' : undefined}
                      >
                        {request.url}
                      </a>
                    </td>
                    <td class={`number ${statusClassOf(request) === 'failed' || (request.status ?? 0) >= 400 ? 'status-error' : ''}`}>
                      {request.error ? 'failed' : (request.status ?? '–')}
                    </td>
                    <td class="number">{duration(request.durationMs)}</td>
                    <td class="number">{bytes(request.responseSize)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <aside class="pane" aria-label="Request detail">
            {selected ? (
              <>
                <h2>
                  {selected.method} {statusClassOf(selected) === 'failed' ? 'failed' : selected.status}
                </h2>
                <p class="mono">{selected.url}</p>
                {selected.error ? <p class="status-error">{selected.error}</p> : null}
                <h3>Request headers</h3>
                {selected.requestHeaders ? <Json value={selected.requestHeaders} label="Request headers" /> : <p class="muted">None captured.</p>}
                {selected.requestBody ? <Json value={selected.requestBody} label="Request body" /> : null}
                <h3>Response headers</h3>
                {selected.responseHeaders ? <Json value={selected.responseHeaders} label="Response headers" /> : <p class="muted">None captured.</p>}
                {selected.responseBody ? <Json value={selected.responseBody} label="Response body" /> : null}
                <Redaction redaction={selected.redaction} />
              </>
            ) : (
              <p class="muted">Choose a request to see its masked headers and bodies.</p>
            )}
          </aside>
        </div>
      ) : null}
      {requests.hasMore ? (
        <button type="button" onClick={requests.loadMore} disabled={requests.loading}>
          Load more
        </button>
      ) : null}
    </div>
  );
}
