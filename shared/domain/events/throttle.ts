// Alert throttling as a pure decision: the first alert of a key in a window is sent, the rest are folded into
// a count that the next sent alert reports.

export interface ThrottleState {
  alertKey: string;
  windowStartedAt: string;
  /** The event whose alert opened the window; its redelivery is sent again (deliveries dedupe per channel). */
  sentEventId: string;
  /** Repeats folded in the current window. */
  folded: number;
  /** What the window's sent alert reported as folded from the window before. */
  foldedBeforeWindow: number;
  /** Events sent in this window when more than one may be (a pattern hook's `max`); the first is `sentEventId`. */
  sentEventIds?: string[];
}

export type ThrottleDecision = { action: 'send'; folded: number; next: ThrottleState; write: 'create' | 'replace' | 'none' } | { action: 'fold' };

/** `maxPerWindow` alerts of a key are sent per window (1 for the routing's throttled routes). */
export function decideThrottle(
  state: ThrottleState | undefined,
  alertKey: string,
  eventId: string,
  now: Date,
  windowInMs: number,
  maxPerWindow = 1,
): ThrottleDecision {
  const opened = (folded: number): ThrottleState => ({
    alertKey,
    windowStartedAt: now.toISOString(),
    sentEventId: eventId,
    folded: 0,
    foldedBeforeWindow: folded,
  });
  if (!state) return { action: 'send', folded: 0, next: opened(0), write: 'create' };
  if (state.sentEventId === eventId) return { action: 'send', folded: state.foldedBeforeWindow, next: state, write: 'none' };
  if (state.sentEventIds?.includes(eventId)) return { action: 'send', folded: 0, next: state, write: 'none' };
  if (now.getTime() - Date.parse(state.windowStartedAt) < windowInMs) {
    const sent = state.sentEventIds ?? [state.sentEventId];
    if (sent.length >= maxPerWindow) return { action: 'fold' };
    return { action: 'send', folded: 0, next: { ...state, sentEventIds: [...sent, eventId] }, write: 'replace' };
  }
  return { action: 'send', folded: state.folded, next: opened(state.folded), write: 'replace' };
}
