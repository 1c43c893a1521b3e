import type { PointKey } from '../segment/id-tracker.js';

/** Own writes remembered per client; the oldest are forgotten first (they only spare false conflicts). */
const OWN_LIMIT = 10_000;

interface ClientEntry {
  /** Highest change number applied; every `n` at or below it is a duplicate. */
  applied: number;
  /** Version each point got from this client's latest write to it. */
  own: Map<PointKey, number>;
}

/** Plain JSON form, for the server to persist next to the collection. */
export type LedgerJson = Record<string, { applied: number; own: [PointKey, number][] }>;

/**
 * Per client of one collection: which change numbers were applied (so a retried push applies nothing twice) and the
 * versions its own writes produced. The second matters for a replica that wrote a point twice before hearing
 * back: its second change is based on the version before its first, yet must not conflict with its own write.
 */
export class PushLedger {
  private readonly clients = new Map<string, ClientEntry>();

  static fromJson(json: LedgerJson): PushLedger {
    const ledger = new PushLedger();
    for (const [client, entry] of Object.entries(json)) ledger.clients.set(client, { applied: entry.applied, own: new Map(entry.own) });
    return ledger;
  }

  toJson(): LedgerJson {
    const out: LedgerJson = {};
    for (const [client, entry] of this.clients) out[client] = { applied: entry.applied, own: [...entry.own] };
    return out;
  }

  applied(client: string): number {
    return this.clients.get(client)?.applied ?? 0;
  }

  ownVersion(client: string, key: PointKey): number | undefined {
    return this.clients.get(client)?.own.get(key);
  }

  markApplied(client: string, n: number): void {
    const entry = this.entry(client);
    if (n > entry.applied) entry.applied = n;
  }

  recordOwn(client: string, key: PointKey, version: number): void {
    const own = this.entry(client).own;
    own.delete(key);
    own.set(key, version);
    if (own.size > OWN_LIMIT) own.delete(own.keys().next().value as PointKey);
  }

  private entry(client: string): ClientEntry {
    let entry = this.clients.get(client);
    if (entry === undefined) {
      entry = { applied: 0, own: new Map() };
      this.clients.set(client, entry);
    }
    return entry;
  }
}
