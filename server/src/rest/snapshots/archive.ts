import { gunzipSync, gzipSync } from 'node:zlib';
import { SextantError } from '@sextant/core';

/**
 * The snapshot archive format, version 1. A snapshot is a gzip stream of UTF-8 JSON lines, one record a line:
 *
 *   {"format":"sextant-snapshot","version":1,"kind":"collection"|"full","created":"<RFC 3339>"}     first line
 *   {"collection":"<name>","config":<CreateCollection>,"payload_schema":{<field>:<PayloadSchemaParams|type>}}
 *   {"point":{"id":<id>,"vector":<VectorStruct>,"payload":<Payload>}}      points of the collection above
 *   {"alias":{"alias_name":"<alias>","collection_name":"<name>"}}        full snapshots only
 *   {"end":{"collections":<n>,"points":<n>}}                              last line; missing = truncated file
 *
 * A collection record opens a section; the point records after it belong to it. The config is exactly what
 * `createCollection` takes, so restoring is: create, create the payload indexes, upsert the points. Everything is
 * through the public client API, so any engine version can read any archive of the same format version.
 */
export const ARCHIVE_FORMAT = 'sextant-snapshot';
export const ARCHIVE_VERSION = 1;

export interface ArchiveCollection {
  name: string;
  config: Record<string, unknown>;
  payloadSchema: Record<string, unknown>;
  points: Array<{ id: string | number; vector?: unknown; payload?: Record<string, unknown> | null }>;
}

export interface Archive {
  kind: 'collection' | 'full';
  created: string;
  collections: ArchiveCollection[];
  aliases: Array<{ alias_name: string; collection_name: string }>;
}

export function encodeArchive(archive: Archive): Uint8Array {
  const lines: string[] = [JSON.stringify({ format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, kind: archive.kind, created: archive.created })];
  let points = 0;
  for (const c of archive.collections) {
    lines.push(JSON.stringify({ collection: c.name, config: c.config, payload_schema: c.payloadSchema }));
    for (const point of c.points) lines.push(JSON.stringify({ point }));
    points += c.points.length;
  }
  for (const alias of archive.aliases) lines.push(JSON.stringify({ alias }));
  lines.push(JSON.stringify({ end: { collections: archive.collections.length, points } }));
  return gzipSync(Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
}

export function decodeArchive(bytes: Uint8Array): Archive {
  let text: string;
  try {
    text = gunzipSync(bytes).toString('utf8');
  } catch {
    throw invalid('the file is not a gzip archive');
  }
  const lines = text.split('\n').filter((line) => line.length > 0);
  const header = parseLine(lines[0]);
  if (header['format'] !== ARCHIVE_FORMAT) throw invalid('the file is not a Sextant snapshot');
  if (header['version'] !== ARCHIVE_VERSION) throw invalid(`unsupported snapshot format version ${String(header['version'])}`);
  const archive: Archive = { kind: header['kind'] === 'full' ? 'full' : 'collection', created: String(header['created']), collections: [], aliases: [] };
  let current: ArchiveCollection | undefined;
  let end: { collections: number; points: number } | undefined;
  for (let i = 1; i < lines.length; i++) {
    const record = parseLine(lines[i]);
    if (typeof record['collection'] === 'string') {
      current = { name: record['collection'], config: record['config'] as Record<string, unknown>, payloadSchema: (record['payload_schema'] ?? {}) as Record<string, unknown>, points: [] };
      archive.collections.push(current);
    } else if (record['point'] !== undefined) {
      if (!current) throw invalid('a point comes before any collection');
      current.points.push(record['point'] as ArchiveCollection['points'][number]);
    } else if (record['alias'] !== undefined) {
      archive.aliases.push(record['alias'] as Archive['aliases'][number]);
    } else if (record['end'] !== undefined) {
      end = record['end'] as typeof end;
    }
  }
  const points = archive.collections.reduce((sum, c) => sum + c.points.length, 0);
  if (!end || end.collections !== archive.collections.length || end.points !== points) throw invalid('the file is truncated');
  return archive;
}

function parseLine(line: string | undefined): Record<string, unknown> {
  try {
    const value = JSON.parse(line ?? '') as unknown;
    if (value && typeof value === 'object') return value as Record<string, unknown>;
  } catch {
    // fall through: reported below with the snapshot wording
  }
  throw invalid('a record is not valid JSON');
}

function invalid(reason: string): SextantError {
  return new SextantError('bad_request', `Bad request: Invalid snapshot: ${reason}`);
}
