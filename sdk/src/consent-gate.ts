// The consent gate: asks the app's callback once per session that requires consent, records the answer with the
// server, and says whether a session may collect. A yes counts only once the server has stored it, since ingest
// refuses data until then.
import type { FetchFunction } from './runtime.js';
import { deviceHeaders } from './transport.js';
import type { ActiveSession, CaptureFlags, CollectionLevel, DeviceContext } from './wire.js';

/** What the app's consent callback is told about the session asking to collect. */
export interface ConsentRequest {
  sessionId: string;
  collectionLevel: CollectionLevel;
  capture: CaptureFlags;
  expiresAt: string;
}

export interface ConsentGateOptions {
  /** The app's callback; without one, sessions that need consent collect nothing. */
  ask: ((request: ConsentRequest) => boolean | Promise<boolean>) | undefined;
  baseUrl: string;
  productKey: string;
  fetch: FetchFunction;
  /** The device context sent with the recorded answer. */
  device: () => DeviceContext;
  onError: (error: Error) => void;
}

/**
 * Per session: 'asking' while the app's callback decides; 'granted_unrecorded' once the user said yes but the
 * server has not stored it yet; 'granted' when stored; 'denied'.
 */
type ConsentDecision = 'asking' | 'granted_unrecorded' | 'granted' | 'denied';

export class ConsentGate {
  private readonly decisions = new Map<string, ConsentDecision>();
  private pending: Promise<void> | undefined;

  constructor(private readonly options: ConsentGateOptions) {}

  /** True when the session needs no consent, or the user's yes has been recorded. */
  allows(session: ActiveSession): boolean {
    return !session.consentRequired || this.decisions.get(session.id) === 'granted';
  }

  /**
   * Sees the session each poll answers. A question it raises is answered in the background (the user may take
   * their time; polling goes on meanwhile); `afterDecision` runs once the answer is recorded.
   */
  observe(session: ActiveSession | undefined, afterDecision: () => Promise<void>): void {
    if (session && !session.consentRequired && session.consentStatus === 'granted') this.decisions.set(session.id, 'granted');
    if (!session?.consentRequired || this.pending) return;
    const decision = this.decisions.get(session.id);
    if (decision === undefined) this.pending = this.ask(session);
    // A yes the server did not take last time (offline, 5xx) is recorded again, without asking the user again.
    else if (decision === 'granted_unrecorded') this.pending = this.record(session, true);
    this.pending = this.pending?.then(afterDecision).finally(() => {
      this.pending = undefined;
    });
  }

  /** Resolves once a question in progress has been answered and recorded (immediately when none is). */
  async settled(): Promise<void> {
    await this.pending;
  }

  private async ask(session: ActiveSession): Promise<void> {
    const ask = this.options.ask;
    if (!ask) {
      this.decisions.set(session.id, 'denied');
      return;
    }
    this.decisions.set(session.id, 'asking');
    let granted = false;
    try {
      granted =
        (await ask({ sessionId: session.id, collectionLevel: session.collectionLevel, capture: { ...session.capture }, expiresAt: session.expiresAt })) ===
        true;
    } catch (error) {
      this.options.onError(error as Error);
    }
    this.decisions.set(session.id, granted ? 'granted_unrecorded' : 'denied');
    await this.record(session, granted);
  }

  private async record(session: ActiveSession, granted: boolean): Promise<void> {
    const recorded = await this.post(session, granted);
    if (granted && recorded) this.decisions.set(session.id, 'granted');
  }

  private async post(session: ActiveSession, granted: boolean): Promise<boolean> {
    const { baseUrl, productKey, onError } = this.options;
    try {
      const response = await this.options.fetch(`${baseUrl}/api/diagnostics/sessions/${encodeURIComponent(session.id)}/consent`, {
        method: 'POST',
        headers: deviceHeaders(productKey, session.ingestToken),
        body: JSON.stringify({ granted, device: this.options.device() }),
      });
      await response.body?.cancel().catch(() => undefined);
      if (!response.ok) onError(new Error(`consent record answered ${response.status}`));
      return response.ok;
    } catch (error) {
      onError(new Error(`consent record failed: ${(error as Error).message}`));
      return false;
    }
  }
}
