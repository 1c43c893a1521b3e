import type { Schemas } from '../../client/sextant-client.js';
import { asGeoPoint } from '../../filter/geo.js';
import { getValues, type JsonPath } from '../../segment/json-path.js';
import { ByteReader, ByteWriter } from './byte-codec.js';
import { GeoIndex } from './geo-index.js';
import { MapIndex } from './map-index.js';
import { NumericIndex } from './numeric-index.js';
import { documentTokens, tokenizerConfig, type TokenizerConfig } from './tokenizer.js';
import { boolKey, canonicalUuid, datetimeKey, flattenValues, numberKey } from './value-keys.js';

export type SchemaType = Schemas['PayloadSchemaType'];

/**
 * One payload index on one key path. The structure depends on the type:
 * keyword / uuid / bool -> `MapIndex`; integer / float / datetime -> `NumericIndex`; geo -> `GeoIndex`;
 * text -> `MapIndex` of tokens.
 *
 * Deviation from Qdrant, on purpose: the integer index stores every finite number (Qdrant skips non-integers), so a
 * range filter served from the index finds exactly what a payload scan finds. Facets still only report integers.
 * `points` counts points with at least one value this index stores.
 */
export class FieldIndex {
  readonly map: MapIndex | undefined;
  readonly numeric: NumericIndex | undefined;
  readonly geo: GeoIndex | undefined;
  readonly tokenizer: TokenizerConfig | undefined;
  points = 0;

  constructor(
    readonly key: string,
    readonly path: JsonPath,
    readonly type: SchemaType,
    readonly schema: Schemas['PayloadFieldSchema'],
  ) {
    if (type === 'keyword' || type === 'uuid' || type === 'bool' || type === 'text') this.map = new MapIndex();
    if (type === 'integer' || type === 'float' || type === 'datetime') this.numeric = new NumericIndex();
    if (type === 'geo') this.geo = new GeoIndex();
    if (type === 'text') this.tokenizer = tokenizerConfig(typeof schema === 'object' ? (schema as Schemas['TextIndexParams']) : undefined);
  }

  get params(): Record<string, unknown> | undefined {
    return typeof this.schema === 'object' ? (this.schema as Record<string, unknown>) : undefined;
  }

  /** Integer index with `lookup: false` cannot answer match conditions; with `range: false`, no ranges. */
  get supportsLookup(): boolean {
    return this.type !== 'integer' || this.params?.['lookup'] !== false;
  }
  get supportsRange(): boolean {
    return this.type === 'float' || this.type === 'datetime' || (this.type === 'integer' && this.params?.['range'] !== false);
  }

  /** Adds (`sign = 1`) or removes (`-1`) the values of one payload; keeps `points` in step. */
  apply(id: number, payload: Record<string, unknown> | undefined, sign: 1 | -1): void {
    if (!payload) return;
    const values = flattenValues(getValues(payload, this.path));
    let any = false;
    if (this.type === 'text') {
      const tokens = new Set<string>();
      for (const v of values) if (typeof v === 'string') for (const t of documentTokens(this.tokenizer!, v)) tokens.add(t);
      for (const t of tokens) sign > 0 ? this.map!.insert(t, id) : this.map!.remove(t, id);
      any = tokens.size > 0;
    } else if (this.map) {
      const keyOf = this.type === 'keyword' ? keywordKey : this.type === 'uuid' ? uuidKey : boolKey;
      for (const v of values) {
        const k = keyOf(v);
        if (k === undefined) continue;
        any = true;
        sign > 0 ? this.map.insert(k, id) : this.map.remove(k, id);
      }
    } else if (this.numeric) {
      const keyOf = this.type === 'datetime' ? datetimeKey : numberKey;
      for (const v of values) {
        const k = keyOf(v);
        if (k === undefined) continue;
        any = true;
        sign > 0 ? this.numeric.insert(k, id) : this.numeric.remove(k, id);
      }
    } else if (this.geo) {
      for (const v of values) {
        const g = asGeoPoint(v);
        if (!g) continue;
        any = true;
        sign > 0 ? this.geo.insert(g.lon, g.lat, id) : this.geo.remove(g.lon, g.lat, id);
      }
    }
    if (any) this.points += sign;
  }

  encode(w: ByteWriter): void {
    w.string(this.key);
    w.string(JSON.stringify(this.schema));
    w.string(this.type);
    w.u32(this.points);
    if (this.map) this.map.encode(w);
    if (this.numeric) this.numeric.encode(w);
    if (this.geo) this.geo.encode(w);
  }

  static decode(r: ByteReader, parsePath: (key: string) => JsonPath): FieldIndex {
    const key = r.string();
    const schema = JSON.parse(r.string()) as Schemas['PayloadFieldSchema'];
    const type = r.string() as SchemaType;
    const index = new FieldIndex(key, parsePath(key), type, schema);
    index.points = r.u32();
    const mut = index as { map: MapIndex | undefined; numeric: NumericIndex | undefined; geo: GeoIndex | undefined };
    if (index.map) mut.map = MapIndex.decode(r);
    if (index.numeric) mut.numeric = NumericIndex.decode(r);
    if (index.geo) mut.geo = GeoIndex.decode(r);
    return index;
  }
}

function keywordKey(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function uuidKey(v: unknown): string | undefined {
  return typeof v === 'string' ? canonicalUuid(v) : undefined;
}
