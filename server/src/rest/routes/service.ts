import { totalmem } from 'node:os';
import { RAW, type Handler, type RestServices } from '../route-context.js';
import { hashName, telemetry } from './telemetry.js';

/** The Qdrant version whose API this server speaks; the official clients check major.minor against theirs. */
export const COMPATIBLE_VERSION = '1.19.0';
export const COMMIT = 'sextant';

/** Health, version, telemetry, Prometheus metrics, issues and quotas: the `service` tag of the spec. */
export const serviceHandlers: Record<string, Handler> = {
  root: async ({ reply, services }) => {
    // `GET /` is the one JSON answer without Qdrant's envelope.
    reply.send({ title: 'sextant - vector search engine (Qdrant-compatible)', version: services.version, commit: COMMIT });
    return RAW;
  },
  healthz: async ({ reply }) => text(reply, 'healthz check passed'),
  livez: async ({ reply }) => text(reply, 'healthz check passed'),
  readyz: async ({ reply }) => text(reply, 'all shards are ready'),
  telemetry: async ({ services, query }) => telemetry(services, query['details_level'] as number | undefined, query['anonymize'] === true),
  metrics: async ({ services, reply, query }) => {
    const sizes = await collectionSizes(services);
    // Anonymized as /telemetry is: collection labels become the same hashes, so the two still correlate.
    if (query['anonymize'] === true) for (const size of sizes) size.name = hashName(size.name);
    reply.code(200).header('content-type', 'text/plain; version=0.0.4').send(services.metrics.render(services.version, sizes));
    return RAW;
  },
  // Integrity findings at open; performance hints (such as filters on unindexed fields) are not recorded yet.
  get_issues: async ({ services }) => ({ issues: services.issues.list() }),
  clear_issues: async ({ services }) => {
    services.issues.clear();
    return true;
  },
  get_quotas: async ({ services }) => ({ config: services.quotas, usage: { resident_memory_percent: residentMemoryPercent(), disk_usage_percent: null } }),
  update_quotas: async ({ services, body }) => {
    Object.assign(services.quotas, body ?? {});
    return true;
  },
};

function text(reply: Parameters<Handler>[0]['reply'], body: string): typeof RAW {
  reply.code(200).header('content-type', 'text/plain; charset=utf-8').send(body);
  return RAW;
}

async function collectionSizes(services: RestServices) {
  const { collections } = await services.client.getCollections();
  const sizes = [];
  for (const { name } of collections) {
    try {
      const info = await services.client.getCollection(name);
      sizes.push({ name, points: info.points_count ?? 0, vectors: info.indexed_vectors_count ?? 0 });
    } catch {
      // Deleted between the listing and now: it has no size to report.
    }
  }
  return sizes;
}

function residentMemoryPercent(): number {
  return Math.min(100, Math.round((process.memoryUsage().rss / totalmem()) * 100));
}
