import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, endianness, release, totalmem, type } from 'node:os';
import type { RestServices } from '../route-context.js';

/**
 * `GET /telemetry` in Qdrant's shape, level by level as Qdrant fills it:
 * - level 0: app name, version, startup; the number of collections; cluster; request statistics;
 * - level 1 adds the build features and the running environment (`app.system`, whose `cpu_flags` and `is_docker`
 *   are required), and per collection the aggregated form (vectors, optimizers status, params);
 * - level 2 and above list each collection by id (the full form, of which we report only what we track) and its
 *   snapshot entry.
 * Fields this engine does not measure (jemalloc memory, hardware counters, shard internals) are left out, which the
 * schema allows, rather than filled with numbers that would mean nothing.
 */
export async function telemetry(services: RestServices, detailsLevel = 0, anonymize = false) {
  const { collections } = await services.client.getCollections();
  const names = collections.map(({ name }) => name);
  // Anonymized as Qdrant does: collection names become decimal 64-bit hashes (stable, so entries still correlate),
  // and large counts keep only their five leading digits; the peer id, versions and request keys stay readable.
  const id = anonymize ? hashName : (name: string) => name;
  const count = anonymize ? roundCount : (n: number) => n;
  return {
    id: String(services.peerId),
    app: {
      name: 'sextant',
      version: services.version,
      ...(detailsLevel >= 1 ? { features: FEATURES, system: runningEnvironment(count) } : {}),
      startup: services.startedAt.toISOString(),
    },
    collections: {
      number_of_collections: names.length,
      ...(detailsLevel >= 2
        ? { collections: names.map((name) => ({ id: id(name) })), snapshots: names.map((name) => ({ id: id(name) })) }
        : detailsLevel === 1
          ? { collections: (await aggregated(services, names)).map((entry) => ({ ...entry, vectors: count(entry.vectors) })), snapshots: [] }
          : {}),
    },
    // Standalone, as a Qdrant node with clustering off reports it at every level: no status, peers or metadata.
    cluster: { enabled: false, resharding_enabled: false },
    requests: { rest: { responses: services.metrics.restResponses() }, grpc: { responses: {} } },
  };
}

// This build: a release build without Qdrant's debug, GPU, RocksDB or staging features, not in recovery mode.
const FEATURES = { debug: false, service_debug_feature: false, recovery_mode: false, gpu: false, rocksdb: false, staging: false };

/** Per collection, what Qdrant aggregates at level 1; `vectors` counts stored vectors of every name, exactly. */
async function aggregated(services: RestServices, names: string[]) {
  const out = [];
  for (const name of names) {
    try {
      const info = await services.client.getCollection(name);
      const params = info.config.params as { vectors?: unknown; sparse_vectors?: Record<string, unknown> };
      const vectorNames = [...denseNames(params.vectors), ...Object.keys(params.sparse_vectors ?? {})];
      let vectors = 0;
      for (const vectorName of vectorNames) {
        const filter = { must: [{ has_vector: vectorName }] };
        vectors += vectorName === '' ? (info.points_count ?? 0) : (await services.client.count(name, { filter, exact: true })).count;
      }
      out.push({ vectors, optimizers_status: info.optimizer_status, params: info.config.params });
    } catch (error) {
      // Deleted between the listing and now: it has nothing to report. Any other failure is the engine's to raise.
      if ((error as { status?: number }).status !== 404) throw error;
    }
  }
  return out;
}

/** The names of the dense vectors; '' for the single unnamed one, which every point has. */
function denseNames(vectors: unknown): string[] {
  if (vectors === undefined || vectors === null) return [];
  if (typeof (vectors as { size?: unknown }).size === 'number') return [''];
  return Object.keys(vectors as object);
}

/** A name as Qdrant's anonymized telemetry prints it: a 64-bit hash in decimal. */
export function hashName(name: string): string {
  return createHash('sha256').update(name).digest().readBigUInt64BE(0).toString();
}

/** Qdrant's anonymized count: above 10^4.5 only the five leading digits are kept (123456789 -> 123450000). */
function roundCount(n: number): number {
  const log10 = Math.round(Math.log10(n));
  if (!(log10 > 4)) return n;
  const coeff = 10 ** (log10 - 4);
  return Math.floor(n / coeff) * coeff;
}

let environment: Record<string, unknown> | undefined;

function runningEnvironment(count: (n: number) => number): Record<string, unknown> {
  const machine = readEnvironment();
  return { ...machine, ram_size: count(machine['ram_size'] as number) };
}

/** What Node can tell of the machine, read once: none of it changes while the process runs. */
function readEnvironment(): Record<string, unknown> {
  if (environment) return environment;
  const os = osRelease();
  const constrained = process.constrainedMemory();
  const ram = constrained > 0 && constrained < totalmem() ? constrained : totalmem();
  environment = {
    distribution: os?.['ID'] ?? type(),
    distribution_version: os?.['VERSION_ID'] ?? release(),
    is_docker: existsSync('/.dockerenv'),
    cores: availableParallelism(),
    ram_size: Math.floor(ram / 1024),
    cpu_flags: cpuFlags(),
    cpu_endian: endianness() === 'LE' ? 'little' : 'big',
  };
  return environment;
}

function osRelease(): Record<string, string> | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const fields: Record<string, string> = {};
    for (const line of readFileSync('/etc/os-release', 'utf8').split('\n')) {
      const match = /^([A-Z_]+)=("?)(.*)\2$/.exec(line);
      if (match) fields[match[1]!] = match[3]!;
    }
    return fields;
  } catch {
    return undefined;
  }
}

// The SIMD features Qdrant lists, by the names Linux prints in /proc/cpuinfo.
const X86_FLAGS: Array<[string, string]> = [
  ['sse', 'sse'], ['sse2', 'sse2'], ['avx', 'avx'], ['avx2', 'avx2'], ['fma', 'fma'], ['f16c', 'f16c'],
  ['avx512f', 'avx512f'], ['avx512vl', 'avx512vl'], ['avx512_vpopcntdq', 'avx512vpopcntdq'],
];
const ARM_FLAGS: Array<[string, string]> = [['asimd', 'neon'], ['fphp', 'fp16']];

/**
 * Comma-separated SIMD features of this CPU, as Qdrant reports them ("sse,sse2,avx,avx2,fma"). Node has no CPU
 * feature query, so they are read from /proc/cpuinfo; elsewhere the string is empty, which the schema allows.
 */
function cpuFlags(): string {
  let text: string;
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
  const line = /^(?:flags|Features)\s*:(.*)$/m.exec(text)?.[1];
  if (!line) return '';
  const present = new Set(line.trim().split(/\s+/));
  const table = process.arch === 'arm64' ? ARM_FLAGS : process.arch === 'x64' || process.arch === 'ia32' ? X86_FLAGS : [];
  return table.filter(([linux]) => present.has(linux)).map(([qdrant]) => qdrant).join(',');
}
