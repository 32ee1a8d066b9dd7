// Renders a (masked) report as one self-contained HTML page: inline CSS, inline SVG for the waterfall of
// failing traces and the timeline, no script and no external asset. Everything shown is escaped.
// Fields the reader may not see arrive as withheld markers (shared/domain/access/field-policy.ts) and show as a chip.
import { isWithheld } from '../access/field-policy';
import type { DiagnosticReport, FailingTrace, TimelineEntry } from './report';

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (character) => entities[character]!);
}

/** Only http(s) links become anchors; anything else (javascript:, data:) is shown as text. */
function link(url: string | undefined, label: string): string {
  if (!url || !/^https?:\/\//i.test(url)) return escapeHtml(label);
  return `<a href="${escapeHtml(url)}" rel="noopener noreferrer">${escapeHtml(label)}</a>`;
}

/** The marker as the page shows it: `withheld — requires Diagnostics.Sensitive`. */
export function withheldChip(value: { withheld: string }): string {
  return `<span class="withheld" data-withheld="${escapeHtml(value.withheld)}">withheld — ${escapeHtml(value.withheld)}</span>`;
}

/** `render(value)`, or the chip when the field was withheld from this reader. */
function shown<T>(value: T, render: (value: T) => string): string {
  return isWithheld(value) ? withheldChip(value) : render(value);
}

function json(value: unknown): string {
  if (isWithheld(value)) return withheldChip(value);
  return value === undefined ? '' : `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
}

function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return '<p class="empty">None.</p>';
  return `<table><thead><tr>${headers.map((header) => `<th>${escapeHtml(header)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}.meta{color:#57606a}
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px 16px;margin-top:16px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #eaeef2;padding:4px 6px;text-align:left;vertical-align:top}
pre{background:#f6f8fa;border:1px solid #eaeef2;padding:8px;overflow:auto;font-size:12px;white-space:pre-wrap;word-break:break-word;margin:4px 0}
.fatal{color:#8b0000;font-weight:600}.error{color:#cf222e}.pill{display:inline-block;padding:0 6px;border-radius:10px;background:#eaeef2;font-size:12px}
.empty{color:#57606a;font-style:italic}.withheld{display:inline-block;padding:0 6px;border-radius:10px;background:#eaeef2;color:#57606a;font-size:12px;font-style:italic}.notice{background:#fff8c5;border:1px solid #d4a72c;padding:6px 10px;border-radius:6px}
svg text{font:11px system-ui,sans-serif}
`;

const kindColors: Record<TimelineEntry['kind'], string> = {
  session: '#57606a',
  fatal: '#8b0000',
  error: '#cf222e',
  request: '#bf8700',
  trace: '#8250df',
  screenshot: '#0969da',
};

export function timelineSvg(entries: TimelineEntry[]): string {
  if (entries.length === 0) return '<p class="empty">Nothing on the timeline.</p>';
  const width = 1000;
  const lanes = Object.keys(kindColors) as Array<TimelineEntry['kind']>;
  const laneHeight = 22;
  const left = 90;
  const height = lanes.length * laneHeight + 30;
  const start = Date.parse(entries[0]!.at);
  const end = Date.parse(entries[entries.length - 1]!.at);
  const span = Math.max(1, end - start);
  const x = (at: string) => left + ((Date.parse(at) - start) / span) * (width - left - 10);
  const laneLabels = lanes
    .map(
      (lane, index) =>
        `<text x="4" y="${index * laneHeight + 15}">${escapeHtml(lane)}</text><line x1="${left}" y1="${index * laneHeight + 11}" x2="${width - 10}" y2="${index * laneHeight + 11}" stroke="#eaeef2"/>`,
    )
    .join('');
  const marks = entries
    .map((entry) => {
      const lane = lanes.indexOf(entry.kind);
      return `<circle cx="${x(entry.at).toFixed(1)}" cy="${lane * laneHeight + 11}" r="5" fill="${kindColors[entry.kind]}"><title>${escapeHtml(`${entry.at} ${entry.kind}: ${entry.label}`)}</title></circle>`;
    })
    .join('');
  const axis = `<text x="${left}" y="${height - 6}">${escapeHtml(entries[0]!.at)}</text><text x="${width - 10}" y="${height - 6}" text-anchor="end">${escapeHtml(entries[entries.length - 1]!.at)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Session timeline" viewBox="0 0 ${width} ${height}" width="100%">${laneLabels}${marks}${axis}</svg>`;
}

export function waterfallSvg(trace: FailingTrace): string {
  const width = 1000;
  const labelWidth = 300;
  const rowHeight = 18;
  const height = trace.spans.length * rowHeight + 24;
  const total = Math.max(1, trace.durationMs);
  const scale = (width - labelWidth - 70) / total;
  const rows = trace.spans
    .map((span, index) => {
      const y = index * rowHeight;
      const barX = labelWidth + span.offsetMs * scale;
      const barWidth = Math.max(2, span.durationMs * scale);
      const color = span.status === 'error' ? '#cf222e' : span.status === 'ok' ? '#2da44e' : '#8c959f';
      const name = span.name.length > 40 ? `${span.name.slice(0, 39)}…` : span.name;
      return (
        `<text x="${4 + span.depth * 10}" y="${y + 13}">${escapeHtml(name)}</text>` +
        `<rect x="${barX.toFixed(1)}" y="${y + 3}" width="${barWidth.toFixed(1)}" height="12" rx="2" fill="${color}"><title>${escapeHtml(
          `${span.name} · ${span.durationMs} ms · ${span.status}${span.statusMessage ? `: ${span.statusMessage}` : ''}`,
        )}</title></rect>` +
        `<text x="${(barX + barWidth + 4).toFixed(1)}" y="${y + 13}" fill="#57606a">${span.durationMs.toFixed(0)} ms</text>`
      );
    })
    .join('');
  const axis = `<text x="${labelWidth}" y="${height - 6}">0 ms</text><text x="${width - 70}" y="${height - 6}" text-anchor="end">${trace.durationMs.toFixed(0)} ms</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Waterfall of trace ${escapeHtml(trace.traceId)}" viewBox="0 0 ${width} ${height}" width="100%">${rows}${axis}</svg>`;
}

function summarySection(report: DiagnosticReport): string {
  const summary = report.summary;
  if (!summary) return '';
  const facts: Array<[string, string]> = [
    [
      'Target',
      Object.entries(summary.target)
        .map(([key, value]) => `${key}=${value}`)
        .join(', '),
    ],
    ['Status', summary.status],
    ['Collection level', summary.collectionLevel],
    ['Created by', summary.createdBy],
    ['Session', `${summary.sessionStartedAt ?? summary.sessionCreatedAt} → ${summary.sessionEndedAt ?? `(expires ${summary.expiresAt})`}`],
    ['Observed', `${summary.firstItemAt ?? '—'} → ${summary.lastItemAt ?? '—'} (${(summary.observedDurationMs / 1000).toFixed(1)} s)`],
    [
      'Device',
      Object.entries(summary.device)
        .map(([key, value]) => `${key}: ${value}`)
        .join(', ') || '—',
    ],
    ['App versions', summary.appVersions.join(', ') || '—'],
    [
      'Logs by level',
      Object.entries(summary.countsByLevel)
        .map(([level, count]) => `${level} ${count}`)
        .join(' · '),
    ],
    [
      'Counts',
      Object.entries(summary.counts)
        .map(([name, count]) => `${name} ${count}`)
        .join(' · '),
    ],
  ];
  if (summary.reason) facts.splice(2, 0, ['Reason', summary.reason]);
  const truncated = summary.truncated.length ? `<p class="notice">Limited by the report template: ${escapeHtml(summary.truncated.join('; '))}</p>` : '';
  return `<section id="summary"><h2>Summary</h2>${table(
    ['', ''],
    facts.map(([name, value]) => [`<strong>${escapeHtml(name)}</strong>`, escapeHtml(value)]),
  )}${truncated}</section>`;
}

export function renderReportHtml(report: DiagnosticReport): string {
  const parts: string[] = [];
  parts.push(summarySection(report));
  if (report.timeline) parts.push(`<section id="timeline"><h2>Timeline</h2>${timelineSvg(report.timeline)}</section>`);
  if (report.errorGroups) {
    parts.push(
      `<section id="errors"><h2>Error groups</h2>${table(
        ['Level', 'Error', 'Count', 'First seen', 'Last seen', 'Top frames'],
        report.errorGroups.map((group) => [
          `<span class="${group.level}">${escapeHtml(group.level)}</span>`,
          `${group.errorType ? `<strong>${escapeHtml(group.errorType)}</strong>: ` : ''}${escapeHtml(group.sampleMessage)}<br><span class="pill">${escapeHtml(group.fingerprint)}</span>`,
          escapeHtml(group.count),
          escapeHtml(group.firstSeen),
          escapeHtml(group.lastSeen),
          shown(group.topFrames, (frames) => (frames.length ? `<pre>${escapeHtml(frames.join('\n'))}</pre>` : '')),
        ]),
      )}</section>`,
    );
  }
  if (report.stackTraces) {
    parts.push(
      `<section id="stacks"><h2>Stack traces</h2>${
        report.stackTraces
          .map(
            (trace) =>
              `<h3>${escapeHtml(trace.errorType ?? 'Error')}: ${escapeHtml(trace.message)}</h3><p class="meta">${escapeHtml(trace.timestamp)} · item ${escapeHtml(trace.itemId)}</p>${shown(
                trace.frames,
                (frames) => `<pre>${escapeHtml(frames.join('\n'))}${trace.truncatedFrames ? `\n… ${trace.truncatedFrames} more frames` : ''}</pre>`,
              )}`,
          )
          .join('') || '<p class="empty">None.</p>'
      }</section>`,
    );
  }
  if (report.failingRequests) {
    parts.push(
      `<section id="requests"><h2>Failing requests</h2>${
        report.failingRequests
          .map(
            (request) =>
              `<h3>${escapeHtml(request.method)} ${escapeHtml(request.url)}</h3><p class="meta">${escapeHtml(request.timestamp)} · status ${escapeHtml(request.status ?? '—')} · ${escapeHtml(
                request.durationMs,
              )} ms${request.error ? ` · ${escapeHtml(request.error)}` : ''}${request.traceId ? ` · trace ${escapeHtml(request.traceId)}` : ''}</p>` +
              (request.requestHeaders ? `<strong>Request headers</strong>${json(request.requestHeaders)}` : '') +
              (request.requestBody ? `<strong>Request body</strong>${shown(request.requestBody, (body) => `<pre>${escapeHtml(body)}</pre>`)}` : '') +
              (request.responseHeaders ? `<strong>Response headers</strong>${json(request.responseHeaders)}` : '') +
              (request.responseBody ? `<strong>Response body</strong>${shown(request.responseBody, (body) => `<pre>${escapeHtml(body)}</pre>`)}` : ''),
          )
          .join('') || '<p class="empty">None.</p>'
      }</section>`,
    );
  }
  if (report.failingTraces) {
    parts.push(
      `<section id="traces"><h2>Failing traces</h2>${
        report.failingTraces
          .map(
            (trace) =>
              `<h3>${escapeHtml(trace.rootName)}</h3><p class="meta">trace ${escapeHtml(trace.traceId)} · ${escapeHtml(trace.startTime)} · ${escapeHtml(trace.durationMs)} ms · ${escapeHtml(
                trace.errorSpans,
              )} failing span(s)${trace.errorSpans === 0 ? ' (a failing request belongs to this trace)' : ''}${trace.truncatedSpans ? ` · ${trace.truncatedSpans} spans not shown` : ''}</p>${waterfallSvg(trace)}`,
          )
          .join('') || '<p class="empty">None.</p>'
      }</section>`,
    );
  }
  if (report.breadcrumbTrails) {
    parts.push(
      `<section id="breadcrumbs"><h2>Breadcrumbs before each error</h2>${
        report.breadcrumbTrails
          .map(
            (trail) =>
              `<h3>${escapeHtml(trail.timestamp)} · ${escapeHtml(trail.message)}</h3>${table(
                ['Time', 'Category', 'Message', 'Data'],
                trail.breadcrumbs.map((crumb) => [
                  escapeHtml(crumb.timestamp),
                  escapeHtml(crumb.category),
                  escapeHtml(crumb.message),
                  crumb.data ? json(crumb.data) : '',
                ]),
              )}`,
          )
          .join('') || '<p class="empty">None.</p>'
      }</section>`,
    );
  }
  if (report.screenshots) {
    parts.push(
      `<section id="screenshots"><h2>Screenshots</h2><p class="meta">Screenshot links expire with the report's links.</p>${table(
        ['Captured', 'Trigger', 'Size', 'Link'],
        report.screenshots.map((shot) => [
          escapeHtml(shot.capturedAt),
          escapeHtml(shot.trigger),
          escapeHtml(`${shot.width}×${shot.height} ${shot.format}`),
          // The link goes in after the final masking pass (a SAS signature is not customer content): see report-service.
          isWithheld(shot.readUrl)
            ? withheldChip(shot.readUrl)
            : shot.readUrl
              ? link(shot.readUrl, 'open')
              : `<a data-screenshot="${escapeHtml(shot.id)}" rel="noopener noreferrer">open</a>`,
        ]),
      )}</section>`,
    );
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(report.title)} · ${escapeHtml(report.session.id)}</title><style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(report.title)}</h1>
<p class="meta">Session ${escapeHtml(report.session.id)} · product ${escapeHtml(report.session.productId)} · report ${escapeHtml(report.id)} · generated ${escapeHtml(report.generatedAt)} · template ${escapeHtml(
    `${report.template.name} v${report.template.version}`,
  )}</p>
${parts.join('\n')}
</main></body></html>
`;
}
