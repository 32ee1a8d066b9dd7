// Local mode only: the embedded Cosmos keeps its data in memory, so the local host writes it to a file under
// DATA_DIR after each batch of writes and on shutdown, and loads it on start. A snapshot is written to a
// temporary file, flushed to disk and renamed over the last one, so a crash mid-write leaves the previous
// snapshot whole (rename is atomic on one file system).
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** What patches/@vercel+cosmosdb-server+1.0.1.patch adds to the server's account. */
export interface SnapshotAccount {
  exportSnapshot(): CosmosSnapshot;
  importSnapshot(snapshot: CosmosSnapshot): void;
}

export interface CosmosSnapshot {
  version: 1;
  databases: Array<{ data: { id: string }; collections: Array<{ data: { id: string }; documents: unknown[] }> }>;
}

export interface SnapshotCounts {
  databases: number;
  containers: number;
  documents: number;
}

export function countsOf(snapshot: CosmosSnapshot): SnapshotCounts {
  const containers = snapshot.databases.flatMap((database) => database.collections);
  return {
    databases: snapshot.databases.length,
    containers: containers.length,
    documents: containers.reduce((sum, container) => sum + container.documents.length, 0),
  };
}

export interface SnapshotOptions {
  /** The snapshot file, e.g. DATA_DIR/cosmos/snapshot.json. */
  file: string;
  /** Writes arriving within this window after the first go into one snapshot. */
  batchWindowInMs?: number;
  log?: (line: string) => void;
}

export class CosmosSnapshots {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private closed = false;

  constructor(
    private readonly account: () => SnapshotAccount,
    private readonly options: SnapshotOptions,
  ) {}

  /** Loads the last snapshot into the (empty) account; leftovers of an interrupted write are removed. */
  async load(): Promise<SnapshotCounts | undefined> {
    const directory = path.dirname(this.options.file);
    await mkdir(directory, { recursive: true });
    const base = path.basename(this.options.file);
    for (const name of await readdir(directory)) {
      if (name.startsWith(`${base}.tmp-`)) await rm(path.join(directory, name), { force: true });
    }
    let text: string;
    try {
      text = await readFile(this.options.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let snapshot: CosmosSnapshot;
    try {
      snapshot = JSON.parse(text) as CosmosSnapshot;
      this.account().importSnapshot(snapshot);
    } catch (error) {
      throw new Error(`The local Cosmos snapshot ${this.options.file} could not be loaded (${(error as Error).message}); move it aside or start with --fresh`, {
        cause: error,
      });
    }
    return countsOf(snapshot);
  }

  /** Called after every successful write to the embedded Cosmos: one snapshot per batch window. */
  noteWrite(): void {
    this.dirty = true;
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch((error: unknown) => this.options.log?.(`local Cosmos snapshot failed: ${(error as Error).message}`));
    }, this.options.batchWindowInMs ?? 500);
    this.timer.unref();
  }

  /** Writes a snapshot now if anything changed since the last one (and waits for one in progress). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (!this.dirty) return;
    this.dirty = false;
    this.writing = this.write()
      .catch((error: unknown) => {
        // Still unsaved: the next batch or the shutdown tries again.
        this.dirty = true;
        throw error;
      })
      .finally(() => (this.writing = undefined));
    await this.writing;
  }

  /** The shutdown snapshot: no more timers after it. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async write(): Promise<void> {
    const text = JSON.stringify(this.account().exportSnapshot());
    const temporary = `${this.options.file}.tmp-${process.pid}`;
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.options.file);
  }
}
