/**
 * Problems the server found on its own, reported by `GET /issues` in Qdrant's shape: so far, stored data that
 * failed its checks at open (a segment rebuilt from the previous generation, op log records dropped). They stay
 * until `DELETE /issues` or a restart, as Qdrant's do.
 */
export interface Issue {
  id: string;
  description: string;
  solution: string;
  timestamp: string;
  related_collection: string | null;
}

export class IssueLog {
  private readonly issues: Issue[] = [];
  private counter = 0;

  /** Records an integrity finding (the `onIntegrityIssue` hook of the engine). */
  integrity = (message: string): void => {
    const collection = /(?:segment|op log) of ([^\s:;]+)/.exec(message)?.[1] ?? null;
    this.issues.push({
      id: `STORAGE_INTEGRITY_${++this.counter}`,
      description: message,
      solution: 'Stored data failed its checksum; check the disk, and compare with a snapshot or a replica if writes may be missing.',
      timestamp: new Date().toISOString(),
      related_collection: collection,
    });
  };

  list(): Issue[] {
    return [...this.issues];
  }

  clear(): void {
    this.issues.length = 0;
  }
}
