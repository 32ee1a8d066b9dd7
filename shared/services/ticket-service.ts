// The tickets subscriber's use case: a fatal alert or a report opens a ticket or updates the one its alert key
// already has; a regression report closes it when the re-run passed and reopens it when it failed.
// Concurrency: the key is claimed (create) before the ticket is opened, and each event's tracker call is
// recorded in the ledger, so concurrent or redelivered events neither open a second ticket nor comment twice.
import { AppError } from '../errors';
import { alertKeyOf } from '../domain/events/alert-key';
import { buildNotification } from '../domain/events/notification-message';
import type { NotificationRouting } from '../domain/events/notification-routing';
import type { ProductDirectory } from '../domain/events/product-directory';
import type { Clock } from '../ports/clock';
import { fatalPayloadSchema, regressionPayloadSchema, type EventEnvelope } from '../domain/events/event-envelope';
import type { SubscriberLedger } from '../ports/subscriber-ledger';
import type { Telemetry } from '../ports/telemetry';
import { alertLabel, type TicketDraft, type TicketLink, type TicketLinkStore, type TicketRef, type TicketTracker } from '../ports/ticket-tracker';
import type { MaskingEngine } from '../domain/masking';

export interface TicketDependencies {
  /** Undefined when TICKET_PROVIDER=none: ticket events are then acknowledged and ignored. */
  tracker?: TicketTracker;
  links: TicketLinkStore;
  ledger: SubscriberLedger;
  clock: Clock;
  telemetry: Telemetry;
  routing: Pick<NotificationRouting, 'owners'>;
  /** Owner and app per product (PRODUCT_DIRECTORY): ticket labels; the routing's owners are the fallback. */
  products: ProductDirectory;
  publicBaseUrl: string;
  /** Every message text is masked again before it leaves the app. */
  masking: MaskingEngine;
}

/** A claim older than this is taken over: its holder crashed between claiming and creating the ticket. */
const STALE_CLAIM_IN_MS = 120_000;
const MAX_ATTEMPTS = 3;
/** Sessions remembered per ticket link, and links a session's regression applies to. */
const MAX_SESSIONS_PER_LINK = 50;
const MAX_LINKS_PER_SESSION = 50;

/** The link with this event's session added (most recent last), or the same list when it is there already. */
function withSession(link: TicketLink, sessionId: string | undefined): string[] | undefined {
  const known = link.sessionIds ?? [];
  if (!sessionId || known.includes(sessionId)) return link.sessionIds;
  return [...known, sessionId].slice(-MAX_SESSIONS_PER_LINK);
}

function draftOf(deps: TicketDependencies, event: EventEnvelope, alertKey: string): TicketDraft {
  const listed = Object.hasOwn(deps.products, event.productId) ? deps.products[event.productId] : undefined;
  const owner = listed?.owner ?? deps.routing.owners[event.productId];
  // The same masked text the notifications carry: nothing unmasked reaches a tracker either.
  const { message } = buildNotification(event, 'on-call', { publicBaseUrl: deps.publicBaseUrl, masking: deps.masking, owner, alertKey, folded: 0 });
  const fatal = fatalPayloadSchema.safeParse(event.payload);
  return {
    title: message.title,
    body: [message.summary, '', ...message.facts.map((fact) => `- ${fact.name}: ${fact.value}`)].join('\n'),
    productId: event.productId,
    appId: (fatal.success ? fatal.data.appId : undefined) ?? listed?.app,
    owner,
    link: message.link.url,
    alertKey,
  };
}

/** Runs a tracker call at most once per (event, step), however often the event is redelivered. */
async function once(deps: TicketDependencies, event: EventEnvelope, step: string, call: () => Promise<void>): Promise<void> {
  const key = `tickets:${event.id}:${step}`;
  if (await deps.ledger.isDone(key)) return;
  await call();
  await deps.ledger.markDone(key, deps.clock.now());
}

/** Writes `change` to the key's link with If-Match, re-reading when another instance wrote in between. */
async function updateLink(deps: TicketDependencies, alertKey: string, change: (link: TicketLink) => TicketLink | undefined): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await deps.links.get(alertKey);
    if (!current) return;
    const next = change(current.link);
    if (!next || (await deps.links.replace(next, current.etag))) return;
  }
  throw new AppError('unavailable', 'The ticket link kept changing', { retryable: true });
}

/** The key's ticket, creating it if this event holds (or takes over) the claim; throws transient while another instance creates it. */
async function ticketFor(
  deps: TicketDependencies,
  tracker: TicketTracker,
  event: EventEnvelope,
  alertKey: string,
): Promise<{ ticket: TicketRef; created: boolean }> {
  const now = deps.clock.now();
  const at = now.toISOString();
  let current = await deps.links.get(alertKey);
  /** This call made the claim: no earlier attempt can have opened a ticket for it. */
  let claimedNow = false;
  if (!current) {
    claimedNow = await deps.links.create({
      alertKey,
      state: 'creating',
      createdAt: at,
      updatedAt: at,
      lastEventId: event.id,
      occurrences: 1,
      sessionIds: event.sessionId ? [event.sessionId] : undefined,
    });
    current = await deps.links.get(alertKey);
    if (!current) throw new AppError('unavailable', 'The ticket link vanished', { retryable: true });
    if (!claimedNow && current.link.state !== 'creating') return { ticket: current.link.ticket!, created: false };
  }
  if (current.link.ticket) return { ticket: current.link.ticket, created: false };
  const holder = current.link.lastEventId === event.id;
  const stale = now.getTime() - Date.parse(current.link.updatedAt) > STALE_CLAIM_IN_MS;
  if (!holder && !stale) throw new AppError('unavailable', 'Another instance is opening this ticket', { retryable: true, retryAfterSeconds: 1 });
  // (Re)claim with If-Match, so of all instances looking at this claim exactly one goes on to create.
  if (!(await deps.links.replace({ ...current.link, lastEventId: event.id, updatedAt: at }, current.etag))) {
    throw new AppError('unavailable', 'Another instance took over this ticket claim', { retryable: true });
  }
  // A claim that was already there may be an attempt that opened the ticket and crashed before saving the link.
  const opened = claimedNow ? undefined : await tracker.findByAlertKey(alertKey);
  if (opened) {
    deps.telemetry.metric('ticket.operation_total', 1, { provider: tracker.provider, operation: 'found' });
    await updateLink(deps, alertKey, (link) => ({ ...link, ticket: opened, state: 'open', updatedAt: deps.clock.now().toISOString(), lastEventId: event.id }));
    return { ticket: opened, created: true };
  }
  let ticket: TicketRef;
  try {
    ticket = await tracker.create(draftOf(deps, event, alertKey));
  } catch (error) {
    // Release the claim (make it stale at once), so the next alert of this key need not wait for it.
    await updateLink(deps, alertKey, (link) =>
      link.state === 'creating' && link.lastEventId === event.id ? { ...link, updatedAt: new Date(0).toISOString() } : undefined,
    ).catch(() => undefined);
    throw error;
  }
  deps.telemetry.metric('ticket.operation_total', 1, { provider: tracker.provider, operation: 'created' });
  await updateLink(deps, alertKey, (link) => ({ ...link, ticket, state: 'open', updatedAt: deps.clock.now().toISOString(), lastEventId: event.id }));
  return { ticket, created: true };
}

async function openOrUpdate(deps: TicketDependencies, tracker: TicketTracker, event: EventEnvelope): Promise<void> {
  const alertKey = alertKeyOf(event);
  const { ticket, created } = await ticketFor(deps, tracker, event, alertKey);
  if (created) return;
  const current = await deps.links.get(alertKey);
  if (!current || current.link.lastEventId === event.id) return;
  const draft = draftOf(deps, event, alertKey);
  const text = `Seen again (${current.link.occurrences + 1} times): ${draft.title}\n${draft.body}\n${draft.link}`;
  // A fatal alert on a closed ticket means the fix did not hold.
  const reopen = current.link.state === 'closed' && (event.type === 'diagnostics.ingest.fatal' || event.type === 'diagnostics.signal.alert_fired');
  await once(deps, event, 'update', async () => {
    if (reopen) await tracker.reopen(ticket, text);
    else await tracker.comment(ticket, text);
    deps.telemetry.metric('ticket.operation_total', 1, { provider: tracker.provider, operation: reopen ? 'reopened' : 'commented' });
  });
  await updateLink(deps, alertKey, (link) =>
    link.lastEventId === event.id
      ? undefined
      : {
          ...link,
          state: reopen ? 'open' : link.state,
          updatedAt: deps.clock.now().toISOString(),
          lastEventId: event.id,
          occurrences: link.occurrences + 1,
          sessionIds: withSession(link, event.sessionId),
        },
  );
}

/**
 * A regression run is about a session: a pass closes every ticket that carries that session's events (the report's
 * alert and the fatal alerts its crashes raised), a fail reopens or comments on each. Without a session (a run
 * that names an alert key only) it applies to that key.
 */
async function applyRegression(deps: TicketDependencies, tracker: TicketTracker, event: EventEnvelope): Promise<void> {
  const regression = regressionPayloadSchema.safeParse(event.payload);
  if (!regression.success) throw new AppError('invalid_input', 'regression.reported needs payload.result passed|failed', { retryable: false });
  const passed = regression.data.result === 'passed';
  const ownKey = alertKeyOf(event);
  const sessionKeys = event.sessionId ? await deps.links.alertKeysOfSession(event.sessionId, MAX_LINKS_PER_SESSION) : [];
  for (const alertKey of new Set([ownKey, ...sessionKeys])) await applyRegressionTo(deps, tracker, event, alertKey, passed);
}

async function applyRegressionTo(deps: TicketDependencies, tracker: TicketTracker, event: EventEnvelope, alertKey: string, passed: boolean): Promise<void> {
  const current = await deps.links.get(alertKey);
  if (!current?.link.ticket || current.link.lastEventId === event.id) return;
  const ticket = current.link.ticket;
  const draft = draftOf(deps, event, alertKey);
  const text = `${draft.title}. ${draft.link}`;
  // One tracker call per (event, alert key, step), however often the event is redelivered.
  const step = (name: string) => `${name}:${alertLabel(alertKey)}`;
  let state = current.link.state;
  if (passed && state === 'open') {
    await once(deps, event, step('close'), () => tracker.close(ticket, text));
    state = 'closed';
    deps.telemetry.metric('ticket.operation_total', 1, { provider: tracker.provider, operation: 'closed' });
    deps.telemetry.metric('debug.ticket.autoclose_rate', 1, { provider: tracker.provider });
  } else if (!passed) {
    if (state === 'closed') {
      await once(deps, event, step('reopen'), () => tracker.reopen(ticket, text));
      deps.telemetry.metric('ticket.operation_total', 1, { provider: tracker.provider, operation: 'reopened' });
    } else {
      await once(deps, event, step('comment'), () => tracker.comment(ticket, text));
    }
    state = 'open';
    // A ratio metric, averaged: 1 per ticket closed automatically, 0 per failed regression that kept or reopened one.
    deps.telemetry.metric('debug.ticket.autoclose_rate', 0, { provider: tracker.provider });
  }
  await updateLink(deps, alertKey, (link) =>
    link.lastEventId === event.id ? undefined : { ...link, state, updatedAt: deps.clock.now().toISOString(), lastEventId: event.id },
  );
}

export async function applyTicketEvent(deps: TicketDependencies, event: EventEnvelope): Promise<void> {
  const tracker = deps.tracker;
  if (!tracker) return;
  if (event.type === 'diagnostics.ingest.fatal' || event.type === 'diagnostics.report.generated' || event.type === 'diagnostics.signal.alert_fired') {
    return openOrUpdate(deps, tracker, event);
  }
  if (event.type === 'diagnostics.regression.reported') return applyRegression(deps, tracker, event);
}
