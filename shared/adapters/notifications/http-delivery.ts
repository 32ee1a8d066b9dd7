// One outgoing HTTP call for notification channels and ticket trackers, with the failure classified:
// network errors, timeouts, 408, 429 and 5xx are transient (the bus retries); any other 4xx is permanent.
import { AppError } from '../../errors';

export interface HttpCall {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  /** Sent as is; JSON bodies are serialized by the caller so signatures cover the exact bytes. */
  body?: string;
  timeoutInMs: number;
  /** Names the service in error messages, e.g. `Slack`. */
  service: string;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
}

export async function deliver(call: HttpCall): Promise<HttpResult> {
  let response: Response;
  try {
    response = await fetch(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body,
      signal: AbortSignal.timeout(call.timeoutInMs),
    });
  } catch (error) {
    throw new AppError('unavailable', `${call.service} did not answer`, { cause: error, retryable: true });
  }
  const text = await response.text().catch(() => '');
  if (response.ok) return { status: response.status, headers: response.headers, text };
  const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
  // The status only: a response body may quote what we sent.
  throw new AppError(retryable ? 'unavailable' : 'internal', `${call.service} answered ${response.status}`, {
    retryable,
    retryAfterSeconds: Number(response.headers.get('retry-after')) || undefined,
  });
}

export function jsonOf<T>(result: HttpResult, service: string): T {
  try {
    return JSON.parse(result.text) as T;
  } catch (error) {
    throw new AppError('internal', `${service} answered with a body that is not JSON`, { cause: error, retryable: false });
  }
}
