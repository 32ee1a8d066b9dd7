// The typed client of the public API: every call carries the signed-in bearer token; errors come back as
// ApiError with the problem+json body, so pages can show `errors[].field` next to the field and 409/412 plainly.
import type {
  AlertView,
  CreateSessionInput,
  ExportLink,
  LogDoc,
  LogsQuery,
  Page,
  ProblemBody,
  Report,
  ScreenshotView,
  SeriesAnswer,
  SeriesQuery,
  Session,
  SessionListQuery,
  SpanDoc,
  TimelineDoc,
  TimelineQuery,
  TraceTree,
  TracesQuery,
  UpdateSessionInput,
} from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<ProblemBody>,
  ) {
    super(problem.detail ?? problem.title ?? `The API answered ${status}`);
  }

  /** The message for a field, as the API named it in `errors[].field`. */
  fieldMessage(field: string): string | undefined {
    return this.problem.errors?.find((issue) => issue.field === field || issue.field.startsWith(`${field}.`))?.message;
  }
}

export interface TokenSource {
  /** A bearer token for the API, or undefined when nobody is signed in. */
  token(): Promise<string | undefined>;
  /** Called on a 401: the token is no good, sign in again. */
  rejected(): void;
}

type QueryValue = string | number | boolean | string[] | undefined;

export function queryString(query: Record<string, QueryValue> | object): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query as Record<string, QueryValue>)) {
    if (value === undefined || value === '') continue;
    if (Array.isArray(value)) value.forEach((item) => search.append(key, item));
    else search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export interface Download {
  blob: Blob;
  fileName: string;
}

export class ApiClient {
  constructor(
    private readonly tokens: TokenSource,
    private readonly base = '/api',
  ) {}

  private async send(
    method: string,
    path: string,
    options: { body?: unknown; ifMatch?: string; signal?: AbortSignal; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const token = await this.tokens.token();
    if (!token) {
      this.tokens.rejected();
      throw new ApiError(401, { title: 'Sign in first', detail: 'Sign in first', status: 401 });
    }
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.ifMatch) headers['if-match'] = `"${options.ifMatch.replace(/"/g, '')}"`;
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      cache: 'no-store',
    });
    if (response.ok) return response;
    let problem: Partial<ProblemBody> = { status: response.status };
    try {
      problem = (await response.json()) as ProblemBody;
    } catch {
      // Not problem+json (a proxy's page): the status says enough.
    }
    if (response.status === 401) this.tokens.rejected();
    throw new ApiError(response.status, problem);
  }

  private async json<T>(method: string, path: string, options?: { body?: unknown; ifMatch?: string; signal?: AbortSignal }): Promise<T> {
    return (await (await this.send(method, path, options)).json()) as T;
  }

  listSessions(query: SessionListQuery, signal?: AbortSignal): Promise<Page<Session>> {
    return this.json('GET', `/diagnostics/sessions${queryString(query)}`, { signal });
  }

  getSession(id: string, signal?: AbortSignal): Promise<Session> {
    return this.json('GET', `/diagnostics/sessions/${encodeURIComponent(id)}`, { signal });
  }

  createSession(input: CreateSessionInput): Promise<Session> {
    return this.json('POST', '/diagnostics/sessions', { body: input });
  }

  updateSession(id: string, update: UpdateSessionInput, etag: string): Promise<Session> {
    return this.json('PATCH', `/diagnostics/sessions/${encodeURIComponent(id)}`, { body: update, ifMatch: etag });
  }

  listLogs(id: string, query: LogsQuery, signal?: AbortSignal): Promise<Page<LogDoc>> {
    return this.json('GET', `/diagnostics/sessions/${encodeURIComponent(id)}/logs${queryString(query)}`, { signal });
  }

  listSpans(id: string, query: TracesQuery, signal?: AbortSignal): Promise<Page<SpanDoc>> {
    return this.json('GET', `/diagnostics/sessions/${encodeURIComponent(id)}/traces${queryString(query)}`, { signal });
  }

  getTrace(id: string, traceId: string, signal?: AbortSignal): Promise<TraceTree> {
    return this.json('GET', `/diagnostics/sessions/${encodeURIComponent(id)}/traces/${encodeURIComponent(traceId)}`, { signal });
  }

  /**
   * Opens the live tail (Server-Sent Events) of a session, after `lastEventId` when resuming. Read with fetch, not
   * EventSource, because EventSource cannot send the bearer token.
   */
  openTail(id: string, lastEventId: string | undefined, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (lastEventId) headers['last-event-id'] = lastEventId;
    return this.send('GET', `/diagnostics/sessions/${encodeURIComponent(id)}/tail`, { signal, headers });
  }

  timeline(id: string, query: TimelineQuery, signal?: AbortSignal): Promise<Page<TimelineDoc>> {
    return this.json('GET', `/diagnostics/sessions/${encodeURIComponent(id)}/timeline${queryString(query)}`, { signal });
  }

  listScreenshots(id: string, query: { pageSize?: number; continuationToken?: string }, signal?: AbortSignal): Promise<Page<ScreenshotView>> {
    return this.json('GET', `/diagnostics/sessions/${encodeURIComponent(id)}/screenshots${queryString(query)}`, { signal });
  }

  createReport(id: string): Promise<Report> {
    return this.json('POST', `/diagnostics/sessions/${encodeURIComponent(id)}/report`);
  }

  /** A download link (blob channel) or, when storage failed, the file itself. */
  async exportSession(id: string): Promise<{ link: ExportLink } | { file: Download }> {
    const response = await this.send('POST', `/diagnostics/sessions/${encodeURIComponent(id)}/export`);
    if (response.headers.get('x-export-channel') === 'blob') return { link: (await response.json()) as ExportLink };
    return { file: { blob: await response.blob(), fileName: fileNameOf(response, `${id}.ndjson.gz`) } };
  }

  listAlerts(productId: string, signal?: AbortSignal): Promise<{ items: AlertView[] }> {
    return this.json('GET', `/diagnostics/products/${encodeURIComponent(productId)}/alerts`, { signal });
  }

  readSeries(productId: string, query: SeriesQuery, signal?: AbortSignal): Promise<SeriesAnswer> {
    return this.json('GET', `/diagnostics/products/${encodeURIComponent(productId)}/series${queryString(query)}`, { signal });
  }

  /** Every confirmed screenshot of the session as one ZIP, built by the API. */
  async screenshotArchive(id: string): Promise<Download> {
    const response = await this.send('GET', `/diagnostics/sessions/${encodeURIComponent(id)}/screenshots/archive`);
    return { blob: await response.blob(), fileName: fileNameOf(response, `${id}-screenshots.zip`) };
  }
}

function fileNameOf(response: Response, fallback: string): string {
  const disposition = response.headers.get('content-disposition') ?? '';
  return /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallback;
}
