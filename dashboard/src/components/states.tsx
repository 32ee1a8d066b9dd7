// Loading, empty and error states, the same on every page; a 403 or 404 says so plainly.
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api/client';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="state state-loading" role="status">
      <span class="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state state-empty">{children}</p>;
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return `Not allowed: ${error.message}`;
    if (error.status === 404) return `Not found: ${error.message}`;
    if (error.status === 409) return `Conflict: ${error.message}`;
    if (error.status === 412) return 'Someone else changed this session since you loaded it. It has been reloaded; check it and try again.';
    if (error.status === 429) return `Too many requests: ${error.message}`;
    const id = error.problem.correlationId ? ` (correlation id ${error.problem.correlationId})` : '';
    return `${error.message}${id}`;
  }
  return error instanceof Error ? error.message : String(error);
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div class="state state-error" role="alert">
      <p>{errorText(error)}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}
