// The one error type of the service: a closed set of kinds, mapped to HTTP in shared/http/problem.ts only.

export const errorKinds = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  headers_too_large: 431,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorKind = keyof typeof errorKinds;

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `capture.screenshots`. */
  field: string;
  message: string;
}

export interface AppErrorOptions {
  issues?: FieldIssue[];
  retryAfterSeconds?: number;
  /** Whether a queue consumer should retry; defaults from the kind. */
  retryable?: boolean;
  cause?: unknown;
}

/**
 * User errors (4xx) may quote user input in `detail`, so they are counted, never logged;
 * system errors (5xx) are logged without customer content.
 */
export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly issues: FieldIssue[];
  readonly retryAfterSeconds: number | undefined;
  readonly retryable: boolean;

  constructor(kind: ErrorKind, detail: string, options: AppErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.kind = kind;
    this.issues = options.issues ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.retryable = options.retryable ?? (kind === 'unavailable' || kind === 'rate_limited' || kind === 'internal');
  }

  get status(): number {
    return errorKinds[this.kind];
  }

  get isClientError(): boolean {
    return this.status < 500;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
