// /sessions/{id}: the session's header (status, target, device and app, consent, countdown), its actions (all
// with If-Match; 409 and 412 said plainly) and the tabs, each deep-linkable through ?tab=… and its filters.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { DeviceContext, Session, TimelineDoc } from '../api/types';
import { ErrorState, Loading, errorText } from '../components/states';
import { StatusBadge } from '../components/StatusBadge';
import { duration, isLive, saveFile, target, time } from '../format';
import { pollingLiveSource, type LiveSource } from '../live/live-source';
import { tailLiveSource } from '../live/tail-source';
import { query, setQuery } from '../router';
import { signedIn } from '../auth/auth';
import { useVisibleInterval } from '../components/visible-interval';
import { TimelineTab } from '../tabs/TimelineTab';
import { LogsTab } from '../tabs/LogsTab';
import { NetworkTab } from '../tabs/NetworkTab';
import { TracesTab } from '../tabs/TracesTab';
import { ScreenshotsTab } from '../tabs/ScreenshotsTab';

export const tabs = [
  { id: 'timeline', label: 'Timeline' },
  { id: 'logs', label: 'Logs' },
  { id: 'network', label: 'Network' },
  { id: 'traces', label: 'Traces' },
  { id: 'screenshots', label: 'Screenshots' },
] as const;
export type TabId = (typeof tabs)[number]['id'];

export interface TabProps {
  session: Session;
  /** Moves on whenever the live source reported new items: a tab reloads its first page. */
  liveVersion: number;
}

/** The one place that picks the live source: the live tail, falling back to polling the timeline. */
function liveSourceFor(sessionId: string): LiveSource {
  return tailLiveSource(api, sessionId, pollingLiveSource(api, sessionId));
}

function Countdown({ session }: { session: Session }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (!isLive(session.status)) return <span>ended {time(session.endedAt ?? session.updatedAt)}</span>;
  const left = Date.parse(session.expiresAt) - now;
  return (
    <span class="countdown" title={`Expires ${new Date(session.expiresAt).toLocaleString()}`}>
      {left > 0 ? `${duration(left)} left` : 'expiring now'}
    </span>
  );
}

function Tabs({ current }: { current: TabId }) {
  const refs = useRef<Array<HTMLButtonElement | null>>([]);
  const select = (index: number) => {
    const tab = tabs[(index + tabs.length) % tabs.length]!;
    // A tab's own filters belong to it: switching drops them.
    setQuery({
      tab: tab.id,
      level: undefined,
      module: undefined,
      text: undefined,
      item: undefined,
      trace: undefined,
      span: undefined,
      status: undefined,
      url: undefined,
      errors: undefined,
      name: undefined,
      depth: undefined,
    });
    refs.current[(index + tabs.length) % tabs.length]?.focus();
  };
  const onKeyDown = (event: KeyboardEvent, index: number) => {
    const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
    const next = moves[event.key];
    if (next === undefined) return;
    event.preventDefault();
    select(next);
  };
  return (
    <div class="tabs" role="tablist" aria-label="Session data">
      {tabs.map((tab, index) => (
        <button
          type="button"
          role="tab"
          id={`tab-${tab.id}`}
          aria-selected={tab.id === current}
          aria-controls={`panel-${tab.id}`}
          tabIndex={tab.id === current ? 0 : -1}
          ref={(element) => {
            refs.current[index] = element;
          }}
          onClick={() => select(index)}
          onKeyDown={(event) => onKeyDown(event, index)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}

function deviceOf(items: TimelineDoc[]): DeviceContext & { browser?: string; os?: string } {
  return items.find((item) => item.device)?.device ?? {};
}

export function SessionDetail({ id }: { id: string }) {
  const [session, setSession] = useState<Session>();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<{ text: string; kind: 'info' | 'error'; link?: { href: string; label: string } }>();
  const [busy, setBusy] = useState(false);
  const [device, setDevice] = useState<ReturnType<typeof deviceOf>>({});
  const [liveVersion, setLiveVersion] = useState(0);
  const [toast, setToast] = useState(0);
  const current = (query.value.get('tab') ?? 'timeline') as TabId;
  const tab = tabs.some((candidate) => candidate.id === current) ? current : 'timeline';
  const isAdmin = signedIn.value?.roles.includes('admin') ?? false;
  // Building a report opens the session's alert: engineers and admins only (viewers read reports others built).
  const mayBuildReports = signedIn.value?.roles.some((role) => /^(diagnostics\.)?(admin|engineer)$/i.test(role)) ?? false;

  const load = (signal?: AbortSignal) =>
    api
      .getSession(id, signal)
      .then((loaded) => {
        setSession(loaded);
        setError(undefined);
        return loaded;
      })
      .catch((failure) => {
        if ((failure as Error).name !== 'AbortError') setError(failure);
        return undefined;
      });

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    api.timeline(id, { order: 'newest', pageSize: 20 }, controller.signal).then(
      (page) => setDevice(deviceOf(page.items)),
      () => undefined,
    );
    return () => controller.abort();
  }, [id]);
  useVisibleInterval(() => void load(), 5000, session !== undefined && isLive(session.status));

  const live = session !== undefined && isLive(session.status);
  useEffect(() => {
    if (!live) return;
    const stop = liveSourceFor(id).start((items) => {
      setLiveVersion((version) => version + 1);
      setToast((count) => count + items.length);
      if (!device.deviceId && !device.platform) setDevice(deviceOf(items));
    });
    return stop;
  }, [id, live]);
  useEffect(() => {
    if (!toast) return;
    const timer = setTimeout(() => setToast(0), 4000);
    return () => clearTimeout(timer);
  }, [toast]);

  const act = async (label: string, action: (session: Session) => Promise<string | void>) => {
    if (!session) return;
    setBusy(true);
    setNotice(undefined);
    try {
      const done = await action(session);
      setNotice({ text: done || `${label}: done.`, kind: 'info' });
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 412) await load();
      const prefix = failure instanceof ApiError && failure.status === 409 ? `${label} is not possible now. ` : `${label} failed. `;
      setNotice({ text: prefix + errorText(failure), kind: 'error' });
    } finally {
      setBusy(false);
    }
  };
  const patch = (label: string, update: Parameters<typeof api.updateSession>[1]) =>
    act(label, async (current) => {
      setSession(await api.updateSession(current.id, update, current.etag));
    });

  const header = useMemo(() => (session ? target(session) : undefined), [session]);
  if (error && !session) return <ErrorState error={error} retry={() => void load()} />;
  if (!session || !header) return <Loading label="Loading the session…" />;

  return (
    <section>
      <div class="panel detail-head">
        <div>
          <h1>
            Session <span class="mono">{session.id}</span> <StatusBadge status={session.status} />
          </h1>
          <dl class="facts">
            <div>
              <dt>Target</dt>
              <dd>
                {header.kind} <strong>{header.value}</strong>
              </dd>
            </div>
            <div>
              <dt>Product</dt>
              <dd>{session.productId}</dd>
            </div>
            <div>
              <dt>Level</dt>
              <dd>{session.collectionLevel}</dd>
            </div>
            <div>
              <dt>Consent</dt>
              <dd>
                {session.userConsent} · {session.consent.status}
              </dd>
            </div>
            <div>
              <dt>Device and app</dt>
              <dd>
                {[
                  device.deviceId,
                  device.platform,
                  device.os,
                  device.browser,
                  device.appVersion && `app ${device.appVersion}`,
                  device.sdkVersion && `sdk ${device.sdkVersion}`,
                ]
                  .filter(Boolean)
                  .join(' · ') || 'nothing received yet'}
              </dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd>{time(session.startedAt ?? session.createdAt)}</dd>
            </div>
            <div>
              <dt>Expires</dt>
              <dd>
                <Countdown session={session} />
              </dd>
            </div>
            <div>
              <dt>Collected</dt>
              <dd>
                {session.stats.logCount} logs · {session.stats.errorCount} errors · {session.stats.networkCount} requests · {session.stats.traceCount} spans ·{' '}
                {session.stats.screenshotCount} screenshots
              </dd>
            </div>
            {session.reason ? (
              <div>
                <dt>Reason</dt>
                <dd>{session.reason}</dd>
              </div>
            ) : null}
          </dl>
        </div>
        <div class="actions" role="group" aria-label="Session actions">
          {isAdmin && live ? (
            <>
              <button type="button" disabled={busy} onClick={() => void patch('Extend', { extendMinutes: 30 })}>
                Extend +30 min
              </button>
              {session.status === 'paused' ? (
                <button type="button" disabled={busy} onClick={() => void patch('Resume', { status: 'active' })}>
                  Resume
                </button>
              ) : (
                <button type="button" disabled={busy || session.status !== 'active'} onClick={() => void patch('Pause', { status: 'paused' })}>
                  Pause
                </button>
              )}
              <button
                type="button"
                class="danger"
                disabled={busy}
                onClick={() => confirm('Stop collecting for this session?') && void patch('Stop', { status: 'completed' })}
              >
                Stop
              </button>
            </>
          ) : null}
          {mayBuildReports ? (
            <button
              type="button"
              disabled={busy}
              onClick={() =>
                void act('Generate report', async (current) => {
                  const report = await api.createReport(current.id);
                  window.open(report.links.html.url, '_blank', 'noopener');
                  setNotice({
                    text: `Report generated. ${report.expiryNotice}`,
                    kind: 'info',
                    link: { href: report.links.html.url, label: 'Open the report' },
                  });
                  return `Report generated. ${report.expiryNotice}`;
                })
              }
            >
              Generate report
            </button>
          ) : null}
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void act('Export', async (current) => {
                const exported = await api.exportSession(current.id);
                if ('file' in exported) {
                  saveFile(exported.file.blob, exported.file.fileName);
                  return 'Exported: storage was unavailable, so the file came with the answer (audited).';
                }
                const anchor = Object.assign(document.createElement('a'), { href: exported.link.download.url, rel: 'noopener' });
                document.body.append(anchor);
                anchor.click();
                anchor.remove();
                return `Exported ${exported.link.items.logs} logs and ${exported.link.items.spans} spans. ${exported.link.expiryNotice}`;
              })
            }
          >
            Export
          </button>
        </div>
      </div>
      {notice ? (
        <p class={`notice ${notice.kind === 'error' ? 'error' : ''}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
          {notice.text}{' '}
          {notice.link ? (
            <a href={notice.link.href} target="_blank" rel="noopener">
              {notice.link.label}
            </a>
          ) : null}
        </p>
      ) : null}
      <Tabs current={tab} />
      <div class="tabpanel" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'timeline' && <TimelineTab session={session} liveVersion={liveVersion} />}
        {tab === 'logs' && <LogsTab session={session} liveVersion={liveVersion} />}
        {tab === 'network' && <NetworkTab session={session} liveVersion={liveVersion} />}
        {tab === 'traces' && <TracesTab session={session} liveVersion={liveVersion} />}
        {tab === 'screenshots' && <ScreenshotsTab session={session} liveVersion={liveVersion} />}
      </div>
      {toast ? (
        <div class="toast" role="status" aria-live="polite">
          {toast} new
        </div>
      ) : null}
    </section>
  );
}
