import { SextantError } from '@sextant/core';
import { RAW, type Handler, type RouteContext } from '../route-context.js';
import { multipartFile } from '../snapshots/multipart.js';
import { LOCAL_SHARD_ID } from '../snapshots/snapshot-service.js';

/**
 * Collection, full and shard snapshots (the `snapshots` tag). With `wait=false` a create, recover or delete runs in
 * the background and the answer is 202 `accepted`, as in Qdrant; a background failure is logged, never dropped.
 */
export const snapshotHandlers: Record<string, Handler> = {
  list_snapshots: ({ services, params }) => services.snapshots.list(params['collection_name']!),
  create_snapshot: (ctx) => maybeBackground(ctx, () => ctx.services.snapshots.createCollectionSnapshot(ctx.params['collection_name']!)),
  delete_snapshot: (ctx) => maybeBackground(ctx, () => ctx.services.snapshots.delete(ctx.params['collection_name']!, ctx.params['snapshot_name']!)),
  get_snapshot: async ({ services, params, reply }) =>
    download(reply, params['snapshot_name']!, await services.snapshots.read(params['collection_name']!, params['snapshot_name']!)),
  recover_from_snapshot: (ctx) =>
    maybeBackground(ctx, async () => {
      const { location, checksum, api_key } = ctx.body as { location: string; checksum?: string; api_key?: string };
      const bytes = await ctx.services.snapshots.fetchLocation(location, api_key);
      return ctx.services.snapshots.recoverCollection(ctx.params['collection_name']!, bytes, checksum);
    }),
  recover_from_uploaded_snapshot: (ctx) => {
    const bytes = multipartFile(ctx.request.body, ctx.request.headers['content-type']);
    const checksum = ctx.query['checksum'] as string | undefined;
    return maybeBackground(ctx, () => ctx.services.snapshots.recoverCollection(ctx.params['collection_name']!, bytes, checksum));
  },

  list_full_snapshots: ({ services }) => services.snapshots.list(undefined),
  create_full_snapshot: (ctx) => maybeBackground(ctx, () => ctx.services.snapshots.createFullSnapshot()),
  delete_full_snapshot: (ctx) => maybeBackground(ctx, () => ctx.services.snapshots.delete(undefined, ctx.params['snapshot_name']!)),
  get_full_snapshot: async ({ services, params, reply }) =>
    download(reply, params['snapshot_name']!, await services.snapshots.read(undefined, params['snapshot_name']!)),

  list_shard_snapshots: async ({ services, params }) => services.snapshots.list(params['collection_name']!, shard(params)),
  create_shard_snapshot: (ctx) =>
    maybeBackground(ctx, () => ctx.services.snapshots.createCollectionSnapshot(ctx.params['collection_name']!, shard(ctx.params))),
  delete_shard_snapshot: (ctx) =>
    maybeBackground(ctx, () => ctx.services.snapshots.delete(ctx.params['collection_name']!, ctx.params['snapshot_name']!, shard(ctx.params))),
  get_shard_snapshot: async ({ services, params, reply }) =>
    download(reply, params['snapshot_name']!, await services.snapshots.read(params['collection_name']!, params['snapshot_name']!, shard(params))),
  stream_shard_snapshot: async ({ services, params, reply }) => {
    shard(params);
    const name = `${params['collection_name']}-shard-${LOCAL_SHARD_ID}.snapshot`;
    return download(reply, name, await services.snapshots.streamShardSnapshot(params['collection_name']!));
  },
  recover_shard_from_snapshot: async (ctx) => {
    // A shard is recovered into an existing collection: Qdrant answers 404 for a missing one before reading anything.
    shard(ctx.params);
    await ctx.client.getCollection(ctx.params['collection_name']!);
    return maybeBackground(ctx, async () => {
      const { location, checksum, api_key } = ctx.body as { location: string; checksum?: string; api_key?: string };
      const bytes = await ctx.services.snapshots.fetchLocation(location, api_key);
      return ctx.services.snapshots.recoverCollection(ctx.params['collection_name']!, bytes, checksum);
    });
  },
  recover_shard_from_uploaded_snapshot: (ctx) => {
    shard(ctx.params);
    const bytes = multipartFile(ctx.request.body, ctx.request.headers['content-type']);
    const checksum = ctx.query['checksum'] as string | undefined;
    return maybeBackground(ctx, () => ctx.services.snapshots.recoverCollection(ctx.params['collection_name']!, bytes, checksum));
  },
};

/** A Sextant collection is one local shard, number 0; any other id names nothing. */
function shard(params: Record<string, string>): number {
  const id = Number(params['shard_id']);
  if (!/^\d+$/.test(params['shard_id'] ?? '') || id !== LOCAL_SHARD_ID) {
    throw new SextantError('shard_not_found', `Not found: Shard ${params['shard_id']} does not exist in collection \`${params['collection_name']}\``);
  }
  return id;
}

async function maybeBackground(ctx: RouteContext, work: () => Promise<unknown>): Promise<unknown> {
  if (ctx.query['wait'] !== false) return work();
  work().catch((error: unknown) => ctx.request.log.error({ err: error }, 'background snapshot operation failed'));
  ctx.reply.code(202).send({ result: null, status: 'accepted', time: 0 });
  return RAW;
}

function download(reply: RouteContext['reply'], name: string, bytes: Uint8Array): typeof RAW {
  reply
    .code(200)
    .header('content-type', 'application/octet-stream')
    .header('content-disposition', `attachment; filename="${name}"`)
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return RAW;
}
