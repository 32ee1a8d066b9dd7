// One interface over GitHub Issues, Jira and Azure DevOps work items; each adapter speaks its real REST API.
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
  comment(ticket: TicketRef, text: string): Promise<void>;
  close(ticket: TicketRef, comment: string): Promise<void>;
  reopen(ticket: TicketRef, comment: string): Promise<void>;
}

/** Labels every provider gets, so tickets are found by product, app and owner. */
export function ticketLabels(draft: TicketDraft): string[] {
  const labels = ['diagnostics', `product:${draft.productId}`];
  if (draft.appId) labels.push(`app:${draft.appId}`);
  if (draft.owner) labels.push(`owner:${draft.owner}`);
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
});
export type TicketLink = z.infer<typeof ticketLinkSchema>;

/** alert key → ticket, so the same alert updates the same ticket. */
export interface TicketLinkStore {
  get(alertKey: string): Promise<{ link: TicketLink; etag: string } | undefined>;
  /** False if a link for the key exists already. */
  create(link: TicketLink): Promise<boolean>;
  /** False if it changed since `etag` was read. */
  replace(link: TicketLink, etag: string): Promise<boolean>;
}
