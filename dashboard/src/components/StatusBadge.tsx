// A session's status as a badge: text and colour (never colour alone), AA contrast on white.
import type { SessionStatus } from '../api/types';

export function StatusBadge({ status }: { status: SessionStatus }) {
  return <span class={`badge badge-${status}`}>{status}</span>;
}
