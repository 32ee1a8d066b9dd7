// Signal writes committed in groups: the points of every batch of one product that arrives within a short window
// are summed per bucket and written once, and each request is answered when the write holding its points is done
// (a group commit, as databases do for their logs). A product's devices report the same series in the same minute
// (its routes, app versions and error fingerprints, and always the same totals), and each batch alone patched every
// bucket and total it touched: a group of n batches costs about what one does.
// Nothing is acknowledged before it is stored: a failed write fails every request of its group, and each device
// retries its own batch, as it would after a failed write of its own.
import { mergePoints, type SignalPoint } from '../../domain/signals/series';
import type { BucketQuery, SignalStore } from '../../ports/signal-store';
import type { Telemetry } from '../../ports/telemetry';

export interface GroupCommitOptions {
  /** How long a group gathers batches after its first; 0 writes each batch on its own, as without this adapter. */
  windowInMs: number;
  /** A group holding this many points is written at once, before its window ends (bounds memory and the write). */
  maxPointsPerGroup: number;
}

/** One window's batches of one product, and the write every request of them awaits. */
class Group {
  readonly points: SignalPoint[] = [];
  /** How many batches joined (the metric operators tune the window by). */
  batches = 0;
  timer: NodeJS.Timeout | undefined;
  resolve!: () => void;
  reject!: (error: unknown) => void;
  /** Settled when the group's write is. */
  readonly written = new Promise<void>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
}

export class GroupCommitSignalStore implements SignalStore {
  /** Per product, the group still gathering batches. */
  private readonly gathering = new Map<string, Group>();

  constructor(
    private readonly store: SignalStore,
    private readonly telemetry: Telemetry,
    private readonly options: GroupCommitOptions,
  ) {}

  add(productId: string, points: SignalPoint[]): Promise<void> {
    if (this.options.windowInMs === 0 || points.length === 0) return this.store.add(productId, points);
    let group = this.gathering.get(productId);
    if (!group) {
      const started = new Group();
      started.timer = setTimeout(() => void this.write(productId, started), this.options.windowInMs);
      // A group waiting out its window must not keep a process alive that has nothing else to do.
      started.timer.unref();
      this.gathering.set(productId, started);
      group = started;
    }
    for (const point of points) group.points.push(point);
    group.batches++;
    if (group.points.length >= this.options.maxPointsPerGroup) void this.write(productId, group);
    return group.written;
  }

  /** Writes every group still gathering now, and resolves once they are written (shutdown, tests). */
  async flush(): Promise<void> {
    const groups = [...this.gathering];
    await Promise.allSettled(groups.map(([productId, group]) => this.write(productId, group)));
  }

  read(productId: string, query: BucketQuery) {
    return this.store.read(productId, query);
  }

  private async write(productId: string, group: Group): Promise<void> {
    // Written once: by its window's end, by its size, or by a flush, whichever comes first.
    if (this.gathering.get(productId) !== group) return group.written.catch(() => undefined);
    this.gathering.delete(productId);
    clearTimeout(group.timer);
    try {
      await this.store.add(productId, mergePoints(group.points));
      this.telemetry.metric('signals.group_batches', group.batches, { outcome: 'written' });
      group.resolve();
    } catch (error) {
      this.telemetry.metric('signals.group_batches', group.batches, { outcome: 'failed' });
      group.reject(error);
    }
  }
}
