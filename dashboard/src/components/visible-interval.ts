// Refreshing only while someone looks: the session list and a live session's header poll through this.
import { useEffect, useRef } from 'preact/hooks';

/** Runs `tick` every `intervalInMs` while the tab is visible (and once when it becomes visible again). */
export function useVisibleInterval(tick: () => void, intervalInMs: number, enabled = true): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    if (!enabled) return;
    const timer = setInterval(() => document.visibilityState === 'visible' && latest.current(), intervalInMs);
    const onVisible = () => document.visibilityState === 'visible' && latest.current();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [intervalInMs, enabled]);
}
