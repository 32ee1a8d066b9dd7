// Remembers the first answer to a request that carried an `Idempotency-Key`, so a repeat gets it back.
export interface RememberedAnswer {
  /** Scoped key: the client's key hashed with who sent it and where (see ingest-service). */
  key: string;
  status: number;
  body: unknown;
  createdAt: string;
}

export interface IdempotencyStore {
  get(key: string): Promise<RememberedAnswer | undefined>;
  /** Keeps the first answer: a concurrent second writer leaves the stored one in place. */
  remember(answer: RememberedAnswer): Promise<void>;
}
