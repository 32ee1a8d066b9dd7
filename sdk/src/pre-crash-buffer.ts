// The last minute of logs, breadcrumbs and network captures, kept in memory while no session collects, so a
// session a crash opens can start with what led to the crash. Bounded by age and by bytes; never sent unless
// a session asks for it (config `uploadPreSessionBuffer`), and then marked `preSession: true`.
import type { BreadcrumbItem, LogItem, NetworkItem } from './wire.js';

export type BufferedItem = LogItem | BreadcrumbItem | NetworkItem;

export interface PreCrashBufferOptions {
  /** How far back the buffer reaches (default 60 s). */
  windowInMs: number;
  /** At most this many bytes of items (as JSON); the oldest go first (default 256 KB). */
  maxBytes: number;
}

export const defaultPreCrashBufferOptions: PreCrashBufferOptions = { windowInMs: 60_000, maxBytes: 256 * 1024 };

interface Entry {
  item: BufferedItem;
  at: number;
  bytes: number;
}

export class PreCrashBuffer {
  private entries: Entry[] = [];
  private bytes = 0;
  /** What the buffer held when the app crashed, kept until a session takes it (or the next crash replaces it). */
  private snapshot: { items: BufferedItem[]; takenAt: number } | undefined;

  constructor(private readonly options: PreCrashBufferOptions = defaultPreCrashBufferOptions) {}

  record(item: BufferedItem, now: number): void {
    const bytes = JSON.stringify(item).length;
    // One item larger than the whole budget is not kept at all, rather than emptying the buffer for it.
    if (bytes > this.options.maxBytes) return;
    this.entries.push({ item, at: Date.parse(item.timestamp) || now, bytes });
    this.bytes += bytes;
    this.trim(now);
  }

  /** Freezes the last window at a crash, so what the crash session uploads is the minute before the crash. */
  takeSnapshot(now: number): void {
    this.trim(now);
    this.snapshot = { items: this.entries.map((entry) => entry.item), takenAt: now };
  }

  /** The snapshot (or, without a crash, the current window), marked preSession, oldest first; empties both. */
  drain(now: number): BufferedItem[] {
    this.trim(now);
    const items = this.snapshot?.items ?? this.entries.map((entry) => entry.item);
    this.snapshot = undefined;
    this.entries = [];
    this.bytes = 0;
    return items.map((item) => ({ ...item, preSession: true }));
  }

  clear(): void {
    this.entries = [];
    this.bytes = 0;
    this.snapshot = undefined;
  }

  get size(): number {
    return this.entries.length;
  }

  get sizeInBytes(): number {
    return this.bytes;
  }

  private trim(now: number): void {
    const oldest = now - this.options.windowInMs;
    let drop = 0;
    while (drop < this.entries.length && (this.entries[drop]!.at < oldest || this.bytes > this.options.maxBytes)) {
      this.bytes -= this.entries[drop]!.bytes;
      drop++;
    }
    if (drop > 0) this.entries = this.entries.slice(drop);
  }
}
