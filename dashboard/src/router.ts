// A small client-side router over the History API: the path and query are signals, links are ordinary <a>s
// that navigate() intercepts, so every page and tab state is a real, deep-linkable URL.
import { computed, signal } from '@preact/signals';

export const location$ = signal({ pathname: location.pathname, search: location.search });
export const query = computed(() => new URLSearchParams(location$.value.search));

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, location.href);
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  location$.value = { pathname: url.pathname, search: url.search };
}

/** Changes some query parameters of the current URL (undefined or '' removes one), keeping the rest. */
export function setQuery(changes: Record<string, string | undefined>, options: { replace?: boolean } = { replace: true }): void {
  const search = new URLSearchParams(location$.value.search);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === '') search.delete(key);
    else search.set(key, value);
  }
  const text = search.toString();
  navigate(`${location$.value.pathname}${text ? `?${text}` : ''}`, options);
}

addEventListener('popstate', () => {
  location$.value = { pathname: location.pathname, search: location.search };
});

/** Same-origin link clicks become navigate() calls (modifier keys and new tabs are left to the browser). */
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest('a');
  if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  event.preventDefault();
  navigate(`${url.pathname}${url.search}`);
});
