import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { Schemas } from '@sextant/core';
import type { Snapshots } from '@sextant/proto';
import type { Handlers } from './unary.js';

/**
 * Where snapshots live. The REST server's `SnapshotService` (server/src/rest/snapshots) has exactly this shape;
 * giving both servers the same instance (or the same directory) makes a snapshot created over one API visible
 * over the other. `collection` undefined means full (storage-wide) snapshots.
 */
export interface SnapshotProvider {
  createCollectionSnapshot(collection: string): Promise<Schemas['SnapshotDescription']>;
  createFullSnapshot(): Promise<Schemas['SnapshotDescription']>;
  list(collection: string | undefined): Promise<Schemas['SnapshotDescription'][]>;
  delete(collection: string | undefined, name: string): Promise<boolean>;
}

export const snapshotsReadOnly = new Set(['List', 'ListFull']);

export function snapshotsHandlers(snapshots: SnapshotProvider): Handlers<(typeof Snapshots)['method']> {
  return {
    create: async (r) => ({ snapshotDescription: describe(await snapshots.createCollectionSnapshot(r.collectionName)) }),
    list: async (r) => ({ snapshotDescriptions: (await snapshots.list(r.collectionName)).map(describe) }),
    delete: async (r) => {
      await snapshots.delete(r.collectionName, r.snapshotName);
      return {};
    },
    createFull: async () => ({ snapshotDescription: describe(await snapshots.createFullSnapshot()) }),
    listFull: async () => ({ snapshotDescriptions: (await snapshots.list(undefined)).map(describe) }),
    deleteFull: async (r) => {
      await snapshots.delete(undefined, r.snapshotName);
      return {};
    },
  };
}

/** REST's creation time is a naive UTC timestamp (no zone), as Qdrant prints it; gRPC wants a Timestamp. */
function describe(snapshot: Schemas['SnapshotDescription']) {
  const created = snapshot.creation_time ? new Date(/Z|[+-]\d\d:?\d\d$/.test(snapshot.creation_time) ? snapshot.creation_time : `${snapshot.creation_time}Z`) : undefined;
  return {
    name: snapshot.name,
    creationTime: created && !Number.isNaN(created.getTime()) ? timestampFromDate(created) : undefined,
    size: BigInt(snapshot.size),
    checksum: snapshot.checksum ?? undefined,
  };
}
