import { errors, SextantError } from '../../client/errors.js';
import type { Payload, Schemas } from '../../client/sextant-client.js';
import { parseDatetimeMicros } from '../../filter/datetime.js';
import type { PointAccess } from '../../filter/point-access.js';
import { formatJsonPath, parseJsonPath } from '../../segment/json-path.js';
import { ByteReader, ByteWriter } from './byte-codec.js';
import { FieldIndex, type SchemaType } from './field-index.js';
import type { TokenizerConfig } from './tokenizer.js';

const SCHEMA_TYPES: readonly SchemaType[] = ['keyword', 'integer', 'float', 'geo', 'text', 'bool', 'datetime', 'uuid'];

/**
 * The payload indexes of one segment, keyed by the canonical form of their key path (`a[].b`, quoted keys
 * re-quoted), so that a filter naming the same path in another spelling still finds its index.
 *
 * Contract with the collection: `update(id, before, after)` is called on every payload change (and with
 * `after = undefined` on delete) with the exact previous payload; indexes never hold deleted points.
 */
export class PayloadIndexSet {
  private readonly byKey = new Map<string, FieldIndex>();
  /** Bumped by every change to any index (create, drop, update): plans cached against an older value are stale. */
  version = 0;

  create(field: string, schema: Schemas['PayloadFieldSchema'], access: PointAccess): void {
    const type = schemaType(schema);
    const path = parseJsonPath(field);
    const key = formatJsonPath(path);
    const index = new FieldIndex(key, path, type, schema);
    for (let id = 0; id < access.capacity; id++) {
      if (access.isLive(id)) index.apply(id, access.payload(id) as Record<string, unknown> | undefined, 1);
    }
    this.byKey.set(key, index);
    this.version++;
  }

  drop(field: string): boolean {
    this.version++;
    return this.byKey.delete(canonicalKey(field));
  }

  has(field: string): boolean {
    return this.byKey.has(canonicalKey(field));
  }

  /** The index on a key path (any spelling), if any. */
  get(field: string): FieldIndex | undefined {
    return this.byKey.get(canonicalKey(field));
  }

  /** Every index, for planners that look at all of them. */
  all(): IterableIterator<FieldIndex> {
    return this.byKey.values();
  }

  /** The tokenizer of a full-text index on `field`: text conditions on it then match tokens, not substrings. */
  textTokenizer(field: string): TokenizerConfig | undefined {
    const index = this.get(field);
    return index?.type === 'text' ? index.tokenizer : undefined;
  }

  /** `_access` is accepted for callers that pass it; indexes need only the two payloads. */
  update(id: number, before: Payload | undefined, after: Payload | undefined, _access?: PointAccess): void {
    this.version++;
    for (const index of this.byKey.values()) {
      index.apply(id, before as Record<string, unknown> | undefined, -1);
      index.apply(id, after as Record<string, unknown> | undefined, 1);
    }
  }

  /** Qdrant's `payload_schema` of collection info. */
  schema(): Record<string, Schemas['PayloadIndexInfo']> {
    const out: Record<string, Schemas['PayloadIndexInfo']> = {};
    for (const index of this.byKey.values()) {
      const info: Schemas['PayloadIndexInfo'] = { data_type: index.type, points: index.points };
      if (index.params) info.params = index.params as Schemas['PayloadSchemaParams'];
      out[index.key] = info;
    }
    return out;
  }

  /**
   * Qdrant's facet: distinct values of `key` among live points accepted by `candidates`, with the number of points
   * holding each, by count descending then value ascending. Counts are always exact (`exact` changes nothing here).
   */
  facet(key: string, candidates: (id: number) => boolean, access: PointAccess, limit: number, _exact: boolean): Schemas['FacetValueHit'][] {
    const index = this.get(key);
    const ok = index && (index.type === 'keyword' || index.type === 'uuid' || index.type === 'bool' || (index.type === 'integer' && index.supportsLookup));
    if (!index || !ok) {
      throw errors.badRequest(
        `No appropriate index for faceting: \`${key}\`. Please create one to facet on this field. Check https://qdrant.tech/documentation/concepts/indexing/#payload-index to see which payload schemas support Match conditions`,
      );
    }
    const hits: Schemas['FacetValueHit'][] = [];
    const accept = (id: number) => access.isLive(id) && candidates(id);
    if (index.map) {
      for (const [k, list] of index.map.postings) {
        let count = 0;
        for (const id of list.view()) if (accept(id)) count++;
        if (count > 0) hits.push({ value: index.type === 'bool' ? k === 'true' : k, count });
      }
    } else {
      const num = index.numeric!;
      for (let i = 0; i < num.size; ) {
        const v = num.valueAt(i);
        let count = 0;
        for (; i < num.size && num.valueAt(i) === v; i++) if (accept(num.idAt(i))) count++;
        if (count > 0 && Number.isInteger(v)) hits.push({ value: v, count });
      }
    }
    hits.sort((a, b) => b.count - a.count || compareValues(a.value, b.value));
    return hits.slice(0, limit);
  }

  /**
   * scroll's `order_by`: live (value, id) pairs of a range-capable index in value order, starting at `startFrom`
   * (inclusive). A point with several values appears once per value, as in Qdrant. Datetimes are microseconds.
   */
  *orderBy(key: string, direction: 'asc' | 'desc', startFrom: number | string | undefined, access: PointAccess): Iterable<{ id: number; value: number }> {
    const index = this.get(key);
    if (!index || !index.numeric || !index.supportsRange) {
      throw errors.badRequest(
        `No range index for \`order_by\` key: \`${key}\`. Please create one to use \`order_by\`. Check https://qdrant.tech/documentation/concepts/indexing/#payload-index to see which payload schemas support Range conditions`,
      );
    }
    let start: number | undefined;
    if (typeof startFrom === 'string') {
      start = parseDatetimeMicros(startFrom);
      if (start === undefined) throw errors.badRequest(`Invalid datetime in start_from: '${startFrom}'`);
    } else start = startFrom;
    const num = index.numeric;
    if (direction === 'asc') {
      const [s, e] = num.range(undefined, start, undefined, undefined);
      for (let i = s; i < e; i++) if (access.isLive(num.idAt(i))) yield { id: num.idAt(i), value: num.valueAt(i) };
    } else {
      const [s, e] = num.range(undefined, undefined, undefined, start);
      for (let i = e - 1; i >= s; i--) if (access.isLive(num.idAt(i))) yield { id: num.idAt(i), value: num.valueAt(i) };
    }
  }

  encode(): Uint8Array {
    const w = new ByteWriter();
    w.u32(this.byKey.size);
    for (const index of this.byKey.values()) index.encode(w);
    return w.finish();
  }

  static decode(bytes: Uint8Array): PayloadIndexSet {
    const r = new ByteReader(bytes);
    const set = new PayloadIndexSet();
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const index = FieldIndex.decode(r, parseJsonPath);
      set.byKey.set(index.key, index);
    }
    return set;
  }
}

function canonicalKey(field: string): string {
  try {
    return formatJsonPath(parseJsonPath(field));
  } catch {
    return field;
  }
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** The index type of a `field_schema`; a 422 naming the field when it is not one of Qdrant's. */
export function schemaType(schema: Schemas['PayloadFieldSchema']): SchemaType {
  const type = typeof schema === 'string' ? schema : typeof schema === 'object' && schema !== null ? (schema as { type?: unknown }).type : undefined;
  if (typeof type === 'string' && (SCHEMA_TYPES as readonly string[]).includes(type)) return type as SchemaType;
  throw new SextantError(
    'validation',
    `Validation error in JSON body: field_schema: unknown variant \`${String(type)}\`, expected one of ${SCHEMA_TYPES.map((t) => `\`${t}\``).join(', ')}`,
  );
}
