// Logs: level chips, module and text filters (all in the URL: ?tab=logs&level=error), newest first, paged;
// a row expands to its context as JSON, its stack trace and what masking did.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import type { LogDoc, LogLevel } from '../api/types';
import { Empty, ErrorState, Loading } from '../components/states';
import { usePaged } from '../components/paged';
import { Json, Redaction } from '../components/Redaction';
import { isWithheld, WithheldChip } from '../components/Withheld';
import { time } from '../format';
import { query, setQuery } from '../router';
import type { TabProps } from '../pages/SessionDetail';

export const levels: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
type Log = Extract<LogDoc, { docType: 'log' }>;

/** A text box that writes to the URL once typing pauses, so every keystroke is not a request. */
export function DebouncedInput({ name, label, value, placeholder }: { name: string; label: string; value: string; placeholder?: string }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => setQuery({ [name]: text }), 350);
    return () => clearTimeout(timer);
  }, [text]);
  return (
    <label class="field grow">
      <span>{label}</span>
      <input type="search" name={name} value={text} placeholder={placeholder} onInput={(event) => setText(event.currentTarget.value)} />
    </label>
  );
}

export function LevelChips({ selected }: { selected: LogLevel[] }) {
  const toggle = (level: LogLevel) => {
    const next = selected.includes(level) ? selected.filter((item) => item !== level) : [...selected, level];
    setQuery({ level: next.join(',') });
  };
  return (
    <fieldset class="chips">
      <legend class="visually-hidden">Levels</legend>
      {levels.map((level) => (
        <button type="button" class="chip" aria-pressed={selected.includes(level)} onClick={() => toggle(level)}>
          {level}
        </button>
      ))}
    </fieldset>
  );
}

function LogRow({ log, open, onToggle }: { log: Log; open: boolean; onToggle: () => void }) {
  return (
    <>
      <tr class={open ? 'selected' : ''} id={`log-${log.itemId}`}>
        <td>
          <button type="button" class="link" aria-expanded={open} aria-controls={`log-detail-${log.itemId}`} onClick={onToggle}>
            {time(log.timestamp)}
          </button>
        </td>
        <td class={`level level-${log.level}`}>{log.level}</td>
        <td>{log.module ?? ''}</td>
        <td>{log.message}</td>
      </tr>
      {open ? (
        <tr id={`log-detail-${log.itemId}`}>
          <td colSpan={4}>
            {log.error ? (
              <>
                <h3>
                  {log.error.type ?? 'Error'}: {log.error.message}
                </h3>
                {isWithheld(log.error.stack) ? (
                  <p class="withheld-field">
                    <span class="muted">Stack trace</span> <WithheldChip marker={log.error.stack} label="Stack trace" />
                  </p>
                ) : log.error.stack ? (
                  <pre class="json" aria-label="Stack trace" tabIndex={0}>
                    {log.error.stack}
                  </pre>
                ) : null}
              </>
            ) : null}
            {log.context ? <Json value={log.context} label="Context" /> : <p class="muted">No context.</p>}
            <p class="muted">
              {[
                log.correlationId && `correlation ${log.correlationId}`,
                log.traceId && `trace ${log.traceId}`,
                log.device?.deviceId && `device ${log.device.deviceId}`,
              ]
                .filter(Boolean)
                .join(' · ')}
            </p>
            <Redaction redaction={log.redaction} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function LogsTab({ session, liveVersion }: TabProps) {
  const params = query.value;
  const selected = (params.get('level') ?? '').split(',').filter((level): level is LogLevel => levels.includes(level as LogLevel));
  const module = params.get('module') ?? '';
  const text = params.get('text') ?? '';
  const item = params.get('item') ?? '';
  const [open, setOpen] = useState<Set<string>>(new Set(item ? [item] : []));
  const key = `${session.id}|${selected.join()}|${module}|${text}`;
  const logs = usePaged(
    (continuationToken, signal) =>
      api.listLogs(
        session.id,
        {
          level: selected.length ? selected.join(',') : undefined,
          module: module || undefined,
          text: text || undefined,
          order: 'newest',
          pageSize: 50,
          continuationToken,
        },
        signal,
      ),
    key,
    liveVersion,
  );
  useEffect(() => {
    if (item && logs.items) document.getElementById(`log-${item}`)?.scrollIntoView({ block: 'center' });
  }, [item, logs.items !== undefined]);

  return (
    <div>
      <div class="filters">
        <LevelChips selected={selected} />
        <DebouncedInput name="module" label="Module" value={module} placeholder="checkout" />
        <DebouncedInput name="text" label="Message contains" value={text} placeholder="timeout" />
      </div>
      {logs.error ? <ErrorState error={logs.error} retry={logs.reload} /> : null}
      {!logs.items && !logs.error ? <Loading label="Loading logs…" /> : null}
      {logs.items && logs.items.length === 0 ? <Empty>{selected.length || module || text ? 'No logs match these filters.' : 'No logs yet.'}</Empty> : null}
      {logs.items && logs.items.length > 0 ? (
        <div class="table-wrap">
          <table class="table logs">
            <caption class="visually-hidden">Logs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Level</th>
                <th scope="col">Module</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {(logs.items.filter((doc) => doc.docType === 'log') as Log[]).map((log) => (
                <LogRow
                  key={log.id}
                  log={log}
                  open={open.has(log.itemId)}
                  onToggle={() => {
                    const next = new Set(open);
                    if (!next.delete(log.itemId)) next.add(log.itemId);
                    setOpen(next);
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {logs.hasMore ? (
        <button type="button" onClick={logs.loadMore} disabled={logs.loading}>
          Load more
        </button>
      ) : null}
    </div>
  );
}
