// The tickets subscriber's use case: a fatal alert or a report opens a ticket or updates the one its alert key
// already has; a regression report closes it when the re-run passed and reopens it when it failed.
import { AppError } from '../errors';
import { alertKeyOf } from '../domain/events/alert-key';
import { buildNotification } from '../domain/events/notification-message';
import type { NotificationRouting } from '../domain/events/notification-routing';
import type { Clock } from '../ports/clock';
import { fatalPayloadSchema, regressionPayloadSchema, type EventEnvelope } from '../ports/event-publisher';
import type { Telemetry } from '../ports/telemetry';
import type { TicketDraft, TicketLink, TicketLinkStore, TicketTracker } from '../ports/ticket-tracker';

export interface TicketDependencies {
  /** Undefined when TICKET_PROVIDER=none: ticket events are then acknowledged and ignored. */
  tracker?: TicketTracker;
  links: TicketLinkStore;
  clock: Clock;
  telemetry: Telemetry;
  routing: Pick<NotificationRouting, 'owners'>;
  publicBaseUrl: string;
}

function draftOf(deps: TicketDependencies, event: EventEnvelope, alertKey: string): TicketDraft {
  const owner = deps.routing.owners[event.productId];
  // The same masked text the notifications carry: nothing unmasked reaches a tracker either.
  const { message } = buildNotification(event, 'on-call', { publicBaseUrl: deps.publicBaseUrl, owner, alertKey, folded: 0 });
  const fatal = fatalPayloadSchema.safeParse(event.payload);
  return {
    title: message.title,
    body: [message.summary, '', ...message.facts.map((fact) => `- ${fact.name}: ${fact.value}`)].join('\n'),
    productId: event.productId,
    appId: fatal.success ? fatal.data.appId : undefined,
    owner,
    link: message.link.url,
    alertKey,
  };
}

const MAX_ATTEMPTS = 3;

/** Applies `change` to the key's link with If-Match, re-reading when another instance wrote in between. */
async function updateLink(deps: TicketDependencies, alertKey: string, change: (link: TicketLink) => Promise<TicketLink | undefined>): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await deps.links.get(alertKey);
    if (!current) return;
    const next = await change(current.link);
    if (!next || (await deps.links.replace(next, current.etag))) return;
  }
  throw new AppError('unavailable', 'The ticket link kept changing', { retryable: true });
}

async function openOrUpdate(deps: TicketDependencies, tracker: TicketTracker, event: EventEnvelope): Promise<void> {
  const alertKey = alertKeyOf(event);
  const now = deps.clock.now().toISOString();
  const existing = await deps.links.get(alertKey);
  if (!existing) {
    const ticket = await tracker.create(draftOf(deps, event, alertKey));
    deps.telemetry.metric('ticket.operation_total', 1, { provider: tracker.provider, operation: 'created' });
    const created = await deps.links.create({ alertKey, ticket, state: 'open', createdAt: now, updatedAt: now, lastEventId: event.id, occurrences: 1 });
    if (created) return;
    // Another instance linked this key a moment earlier: note ours on theirs, so nothing is lost.
  }
  await updateLink(deps, alertKey, async (link) => {
    if (link.lastEventId === event.id) return undefined;
    const draft = draftOf(deps, event, alertKey);
    const text = `Seen again (${link.occurrences + 1} times): ${draft.title}\n${draft.body}\n${draft.link}`;
    // A fatal alert on a closed ticket means the fix did not hold.
    const reopen = link.state === 'closed' && event.type === 'diagnostics.ingest.fatal';
    if (reopen) await tracker.reopen(link.ticket, text);
    else await tracker.comment(link.ticket, text);
    deps.telemetry.metric('ticket.operation_total', 1, { provider: tracker.provider, operation: reopen ? 'reopened' : 'commented' });
    return { ...link, state: reopen ? 'open' : link.state, updatedAt: now, lastEventId: event.id, occurrences: link.occurrences + 1 };
  });
}

async function applyRegression(deps: TicketDependencies, tracker: TicketTracker, event: EventEnvelope): Promise<void> {
  const regression = regressionPayloadSchema.safeParse(event.payload);
  if (!regression.success) throw new AppError('invalid_input', 'regression.reported needs payload.result passed|failed', { retryable: false });
  const passed = regression.data.result === 'passed';
  const alertKey = alertKeyOf(event);
  const now = deps.clock.now().toISOString();
  await updateLink(deps, alertKey, async (link) => {
    if (link.lastEventId === event.id) return undefined;
    const draft = draftOf(deps, event, alertKey);
    const text = `${draft.title}. ${draft.link}`;
    let state = link.state;
    if (passed && link.state === 'open') {
      await tracker.close(link.ticket, text);
      state = 'closed';
      deps.telemetry.metric('ticket.operation_total', 1, { provider: tracker.provider, operation: 'closed' });
      deps.telemetry.metric('debug.ticket.autoclose_rate', 1, { provider: tracker.provider });
    } else if (!passed && link.state === 'closed') {
      await tracker.reopen(link.ticket, text);
      state = 'open';
      deps.telemetry.metric('ticket.operation_total', 1, { provider: tracker.provider, operation: 'reopened' });
    } else if (!passed) {
      await tracker.comment(link.ticket, text);
    }
    // A ratio metric, averaged: 1 per ticket closed automatically, 0 per failed regression that kept or reopened one.
    if (!passed) deps.telemetry.metric('debug.ticket.autoclose_rate', 0, { provider: tracker.provider });
    return { ...link, state, updatedAt: now, lastEventId: event.id };
  });
}

export async function applyTicketEvent(deps: TicketDependencies, event: EventEnvelope): Promise<void> {
  const tracker = deps.tracker;
  if (!tracker) return;
  if (event.type === 'diagnostics.ingest.fatal' || event.type === 'diagnostics.report.generated') return openOrUpdate(deps, tracker, event);
  if (event.type === 'diagnostics.regression.reported') return applyRegression(deps, tracker, event);
}
