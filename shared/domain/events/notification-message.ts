// Turns an event into one channel-neutral notification: an actionable summary, facts and a direct link,
// with every text passed through the masking engine before any channel sees it.
import type { MaskingEngine } from '../masking';
import {
  eventPayloadFieldsSchema,
  fatalPayloadSchema,
  patternMatchedPayloadSchema,
  regressionPayloadSchema,
  reportPayloadSchema,
  signalAlertPayloadSchema,
  type EventEnvelope,
  type EventType,
} from './event-envelope';
import type { Audience } from './notification-routing';

export type Severity = 'critical' | 'error' | 'warning' | 'info';

export interface NotificationMessage {
  eventId: string;
  eventType: EventType;
  productId: string;
  sessionId?: string;
  audience: Audience;
  severity: Severity;
  title: string;
  summary: string;
  facts: Array<{ name: string; value: string }>;
  link: { url: string; label: string };
  alertKey: string;
  /** Repeats of this alert key folded since the last one sent. */
  folded: number;
  time: string;
  /** Event-specific fields a machine reader wants as such (a pattern match's hook and item), masked like the rest. */
  details?: Record<string, string>;
}

export interface MessageContext {
  publicBaseUrl: string;
  /** Masks every text of the message before any channel sees it. */
  masking: MaskingEngine;
  owner?: string;
  alertKey: string;
  folded: number;
}

function sessionLink(baseUrl: string, event: EventEnvelope): string {
  const base = baseUrl.replace(/\/+$/, '');
  return event.sessionId
    ? `${base}/api/diagnostics/sessions/${encodeURIComponent(event.sessionId)}`
    : `${base}/api/diagnostics/sessions?productId=${encodeURIComponent(event.productId)}`;
}

function reportLink(baseUrl: string, event: EventEnvelope, reportUrl: string | undefined): string {
  if (!reportUrl) return sessionLink(baseUrl, event);
  if (/^https?:\/\//i.test(reportUrl)) return reportUrl;
  return `${baseUrl.replace(/\/+$/, '')}/${reportUrl.replace(/^\/+/, '')}`;
}

function statsLine(stats: Record<string, number> | undefined): string {
  if (!stats) return 'nothing collected';
  return `${stats.logCount ?? 0} logs, ${stats.traceCount ?? 0} traces, ${stats.errorCount ?? 0} errors, ${stats.screenshotCount ?? 0} screenshots`;
}

function targetLine(target: Record<string, string> | undefined): string {
  if (!target) return 'unknown target';
  return Object.entries(target)
    .map(([field, value]) => `${field.replace(/^target/, '').toLowerCase()} ${value}`)
    .join(', ');
}

function describe(event: EventEnvelope, baseUrl: string): Pick<NotificationMessage, 'severity' | 'title' | 'summary' | 'facts' | 'link' | 'details'> {
  const fields = eventPayloadFieldsSchema.safeParse(event.payload);
  const common = fields.success ? fields.data : {};
  const session = event.sessionId ?? '-';
  const facts = [{ name: 'Product', value: event.productId }];
  if (event.sessionId) facts.push({ name: 'Session', value: event.sessionId });
  switch (event.type) {
    case 'diagnostics.session.started':
      return {
        severity: 'info',
        title: 'Diagnostics were switched on for your device',
        summary: `A support engineer is collecting diagnostics (masked) for ${targetLine(common.target)} until ${common.expiresAt ?? 'the session ends'}. Nothing is needed from you; open the link to see the session.`,
        facts: [...facts, { name: 'Until', value: common.expiresAt ?? '-' }],
        link: { url: sessionLink(baseUrl, event), label: 'Open session' },
      };
    case 'diagnostics.session.cancelled':
    case 'diagnostics.session.completed': {
      const verb = event.type === 'diagnostics.session.cancelled' ? 'was cancelled' : 'completed';
      return {
        severity: 'info',
        title: `Debug session ${verb}`,
        summary: `Session ${session} for ${targetLine(common.target)} ${verb}. Collected: ${statsLine(common.stats)}. Review the timeline or generate a report.`,
        facts: [...facts, { name: 'Collected', value: statsLine(common.stats) }],
        link: { url: sessionLink(baseUrl, event), label: 'Review session' },
      };
    }
    case 'diagnostics.ingest.fatal': {
      const fatal = fatalPayloadSchema.safeParse(event.payload);
      const data = fatal.success ? fatal.data : {};
      const what = [data.errorType, data.message].filter(Boolean).join(': ') || 'a fatal error';
      return {
        severity: 'critical',
        title: `Fatal error in ${data.appId ?? event.productId}`,
        summary: `${what}. Open the session timeline to see what led to it${data.release ? ` (release ${data.release})` : ''}.`,
        facts: [...facts, ...(data.appId ? [{ name: 'App', value: data.appId }] : []), ...(data.release ? [{ name: 'Release', value: data.release }] : [])],
        link: { url: sessionLink(baseUrl, event), label: 'Open timeline' },
      };
    }
    case 'diagnostics.report.generated': {
      const report = reportPayloadSchema.safeParse(event.payload);
      const data = report.success ? report.data : {};
      return {
        severity: 'info',
        title: data.title ?? 'Diagnostics report ready',
        summary: data.summary ?? `The report for session ${session} is ready to review.`,
        facts: [...facts, ...(data.format ? [{ name: 'Format', value: data.format }] : [])],
        link: { url: reportLink(baseUrl, event, data.reportUrl), label: 'Open report' },
      };
    }
    case 'diagnostics.regression.reported': {
      const regression = regressionPayloadSchema.safeParse(event.payload);
      const passed = regression.success && regression.data.result === 'passed';
      return {
        severity: passed ? 'info' : 'error',
        title: passed ? 'Regression check passed' : 'Regression check failed',
        summary: passed
          ? `The problem from session ${session} no longer reproduces; its ticket is closed.`
          : `The problem from session ${session} still reproduces; its ticket is reopened.`,
        facts,
        link: { url: reportLink(baseUrl, event, regression.success ? regression.data.reportUrl : undefined), label: 'Open report' },
      };
    }
    case 'diagnostics.signal.alert_fired':
    case 'diagnostics.signal.alert_recovered': {
      const alert = signalAlertPayloadSchema.safeParse(event.payload);
      if (!alert.success) break;
      const data = alert.data;
      const fired = event.type === 'diagnostics.signal.alert_fired';
      const scope = Object.entries(data.filter ?? {})
        .map(([name, value]) => `${name} ${value}`)
        .join(', ');
      const series = `${data.metric}${scope ? ` (${scope})` : ''}${data.windowMinutes ? ` over ${data.windowMinutes} min` : ''}`;
      const top = (label: string, entries: Array<{ value: string; count: number }> | undefined) =>
        entries?.length ? `${label}: ${entries.map((entry) => `${entry.value} (${entry.count})`).join(', ')}.` : '';
      const summary = fired
        ? [
            `${series} is ${data.value ?? 'unknown'}; ${data.bound ?? 'outside its bound'}${data.failing ? `, ${data.failing}` : ''}.`,
            top('Top fingerprints', data.topFingerprints),
            top('Top app versions', data.topAppVersions),
            'Open the dashboard to see the series and its expected band.',
          ]
        : [`${series} is back within ${data.bound ?? 'its bound'} (now ${data.value ?? 'unknown'}).`];
      const facts = [
        { name: 'Product', value: event.productId },
        { name: 'Rule', value: data.ruleName },
        { name: 'Series', value: series },
      ];
      if (data.value) facts.push({ name: 'Value', value: data.value });
      if (data.bound) facts.push({ name: fired ? 'Threshold' : 'Bound', value: data.bound });
      if (data.seriesUrl) facts.push({ name: 'Series API', value: data.seriesUrl });
      return {
        severity: fired ? (data.severity ?? 'error') : 'info',
        title: fired ? `Alert: ${data.ruleName}` : `Recovered: ${data.ruleName}`,
        summary: summary.filter(Boolean).join(' '),
        facts,
        link: { url: data.dashboardUrl ?? sessionLink(baseUrl, event), label: 'Open dashboard' },
      };
    }
    case 'diagnostics.session.auto_created': {
      const trigger = (event.payload as { trigger?: { ruleName?: string; on?: string } }).trigger;
      return {
        severity: 'info',
        title: 'Debug session opened automatically',
        summary: `Trigger rule "${trigger?.ruleName ?? 'unknown'}" (${trigger?.on ?? 'signal'}) opened session ${session} for ${targetLine(common.target)}.`,
        facts: [...facts, { name: 'Trigger', value: trigger?.on ?? '-' }],
        link: { url: sessionLink(baseUrl, event), label: 'Open session' },
      };
    }
    case 'diagnostics.pattern.matched': {
      const matched = patternMatchedPayloadSchema.safeParse(event.payload);
      if (!matched.success) break;
      const data = matched.data;
      return {
        severity: data.level === 'fatal' ? 'critical' : data.level === 'error' ? 'error' : 'warning',
        title: `Pattern "${data.hookName}" matched`,
        summary: `${data.excerpt}${data.suppressedBefore > 0 ? ` (${data.suppressedBefore} earlier matches held back)` : ''}`,
        facts: [
          ...facts,
          { name: 'Hook', value: data.hookName },
          { name: 'Item', value: data.itemId },
          ...(data.level ? [{ name: 'Level', value: data.level }] : []),
        ],
        link: { url: data.link, label: 'Open item' },
        details: { hookId: data.hookId, itemId: data.itemId, excerpt: data.excerpt, ...(data.itemTime ? { itemTime: data.itemTime } : {}) },
      };
    }
    default:
      break;
  }
  return {
    severity: 'info',
    title: event.type.replace(/^diagnostics\./, '').replace(/\./g, ' '),
    summary: `Event ${event.type} for session ${session}.`,
    facts,
    link: { url: sessionLink(baseUrl, event), label: 'Open session' },
  };
}

/** Builds the message and masks every text in it; `maskedCount` > 0 means an emitter let something through. */
export function buildNotification(event: EventEnvelope, audience: Audience, context: MessageContext): { message: NotificationMessage; maskedCount: number } {
  const described = describe(event, context.publicBaseUrl);
  const facts = context.owner ? [...described.facts, { name: 'Owner', value: context.owner }] : described.facts;
  if (context.folded > 0) facts.push({ name: 'Repeats folded', value: String(context.folded) });
  const summary = context.folded > 0 ? `${described.summary} (${context.folded} more like this since the last alert.)` : described.summary;
  const masked = context.masking.maskValue({ title: described.title, summary, facts, details: described.details });
  return {
    message: {
      eventId: event.id,
      eventType: event.type,
      productId: event.productId,
      sessionId: event.sessionId,
      audience,
      severity: described.severity,
      title: masked.value.title,
      summary: masked.value.summary,
      facts: masked.value.facts,
      link: described.link,
      alertKey: context.alertKey,
      folded: context.folded,
      time: event.time,
      ...(masked.value.details ? { details: masked.value.details } : {}),
    },
    maskedCount: masked.redaction.count,
  };
}
