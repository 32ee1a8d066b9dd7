// Paged lists over the API's continuation tokens: the first page on load (and again when a key or the live
// version moves on), further pages on "Load more".
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Page } from '../api/types';

export interface Paged<T> {
  items: T[] | undefined;
  error: unknown;
  loading: boolean;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
}

export function usePaged<T>(
  fetchPage: (continuationToken: string | undefined, signal: AbortSignal) => Promise<Page<T>>,
  key: string,
  liveVersion = 0,
): Paged<T> {
  const [items, setItems] = useState<T[]>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);
  const [token, setToken] = useState<string>();
  const [reloads, setReloads] = useState(0);
  const latest = useRef(fetchPage);
  latest.current = fetchPage;
  const loaded = useRef(0);

  useEffect(() => {
    const controller = new AbortController();
    const refresh = liveVersion > 0 && items !== undefined;
    if (!refresh) setItems(undefined);
    setLoading(true);
    latest
      .current(undefined, controller.signal)
      .then((page) => {
        // A live refresh keeps the further pages already shown below the fresh first page.
        setItems((shown) => {
          if (!refresh || !shown) return page.items;
          const firstIds = new Set(page.items.map((item) => JSON.stringify((item as { id?: unknown }).id ?? item)));
          return [...page.items, ...shown.slice(loaded.current).filter((item) => !firstIds.has(JSON.stringify((item as { id?: unknown }).id ?? item)))];
        });
        if (!refresh) setToken(page.continuationToken);
        loaded.current = page.items.length;
        setError(undefined);
      })
      .catch((failure) => {
        if ((failure as Error).name !== 'AbortError') setError(failure);
      })
      .finally(() => setLoading(false));
    return () => controller.abort();
  }, [key, liveVersion, reloads]);

  return {
    items,
    error,
    loading,
    hasMore: token !== undefined,
    reload: () => setReloads((count) => count + 1),
    loadMore() {
      if (!token || loading) return;
      setLoading(true);
      latest
        .current(token, new AbortController().signal)
        .then((page) => {
          setItems((shown) => [...(shown ?? []), ...page.items]);
          setToken(page.continuationToken);
        })
        .catch(setError)
        .finally(() => setLoading(false));
    },
  };
}
