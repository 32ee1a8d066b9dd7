// One interface over GitHub Issues, Jira and Azure DevOps work items; each adapter speaks its real REST API.
import { createHash } from 'node:crypto';
import { z } from 'zod';

export interface TicketDraft {
  title: string;
  /** Markdown; adapters convert it to what their tracker renders (ADF for Jira, HTML for Azure DevOps). */
  body: string;
  productId: string;
  appId?: string;
  owner?: string;
  link: string;
  alertKey: string;
}

export const ticketRefSchema = z.object({
  provider: z.enum(['github', 'jira', 'azure-devops']),
  /** Issue number, issue key or work item id. */
  id: z.string(),
  url: z.string(),
});
export type TicketRef = z.infer<typeof ticketRefSchema>;

export interface TicketTracker {
  readonly provider: TicketRef['provider'];
  create(draft: TicketDraft): Promise<TicketRef>;
  /**
   * The ticket an earlier attempt opened for this alert key (found by its `alertLabel`), or undefined. The
   * trackers take no idempotency key, so this is how a retry after a crash between opening a ticket and
   * saving its link finds that ticket instead of opening a second one.
   */
  findByAlertKey(alertKey: string): Promise<TicketRef | undefined>;
  comment(ticket: TicketRef, text: string): Promise<void>;
  close(ticket: TicketRef, comment: string): Promise<void>;
  reopen(ticket: TicketRef, comment: string): Promise<void>;
}

/** A label naming the alert key in a form every tracker takes (no spaces, short): found again by `findByAlertKey`. */
export function alertLabel(alertKey: string): string {
  return `alert-${createHash('sha256').update(alertKey).digest('hex').slice(0, 20)}`;
}

/** Labels every provider gets, so tickets are found by product, app and owner, and by their alert key. */
export function ticketLabels(draft: TicketDraft): string[] {
  const labels = ['diagnostics', `product:${draft.productId}`];
  if (draft.appId) labels.push(`app:${draft.appId}`);
  if (draft.owner) labels.push(`owner:${draft.owner}`);
  labels.push(alertLabel(draft.alertKey));
  return labels;
}

export const ticketLinkSchema = z.object({
  alertKey: z.string(),
  /** Absent while `creating`: the key is claimed, so concurrent alerts of one key cannot open two tickets. */
  ticket: ticketRefSchema.optional(),
  state: z.enum(['creating', 'open', 'closed']),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** The last event applied, so a redelivery changes nothing. */
  lastEventId: z.string(),
  occurrences: z.number().int().positive(),
  /** The sessions whose events this ticket carries (the most recent ones), so a session's regression finds them all. */
  sessionIds: z.array(z.string()).max(50).optional(),
});
export type TicketLink = z.infer<typeof ticketLinkSchema>;

/** alert key → ticket, so the same alert updates the same ticket. */
export interface TicketLinkStore {
  get(alertKey: string): Promise<{ link: TicketLink; etag: string } | undefined>;
  /** False if a link for the key exists already. */
  create(link: TicketLink): Promise<boolean>;
  /** False if it changed since `etag` was read. */
  replace(link: TicketLink, etag: string): Promise<boolean>;
  /** The alert keys of every link that carries this session's events (at most `maxItems`). */
  alertKeysOfSession(sessionId: string, maxItems: number): Promise<string[]>;
}
