// Reading a session's stored items in commit order, for live tail streams: whole commit seconds at a time,
// from one partition, so any instance can serve any stream (no fan-out between instances).
import type { TailEntry, TailFilter } from '../domain/telemetry/tail';
import type { SessionKey } from './telemetry-store';

export interface TailRead {
  /** Commit seconds to read, both ends inclusive. */
  fromSecond: number;
  throughSecond: number;
  filter: TailFilter;
  /** Read at least this many entries (when there are), then stop at the end of that entry's second. */
  atLeast: number;
}

export interface TailReadResult {
  /** Sorted by the tail order (see compareCursors); every entry of each second up to `coveredThrough`. */
  entries: TailEntry[];
  /** The last second read completely: `throughSecond`, or earlier when `atLeast` stopped the read. */
  coveredThrough: number;
}

export interface TailReader {
  read(session: SessionKey, request: TailRead): Promise<TailReadResult>;
  /** How many entries committed in the seconds after `afterSecond` through `throughSecond` (for `dropped`). */
  count(session: SessionKey, request: { afterSecond: number; throughSecond: number; filter: TailFilter }): Promise<number>;
}
