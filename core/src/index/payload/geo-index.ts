import { ByteReader, ByteWriter } from './byte-codec.js';
import { sortUnique } from './posting-list.js';

/**
 * Geo points as three parallel typed arrays (lon, lat, id). A geo filter scans them with the exact predicate, which
 * touches no payload JSON; removal swaps the last entry into the hole (order carries no meaning here).
 */
export class GeoIndex {
  private lon = new Float64Array(16);
  private lat = new Float64Array(16);
  private ids = new Uint32Array(16);
  private n = 0;

  insert(lon: number, lat: number, id: number): void {
    if (this.n === this.ids.length) {
      const grow = <T extends Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => {
        const b = make(this.n * 2);
        b.set(a);
        return b;
      };
      this.lon = grow(this.lon, (n) => new Float64Array(n));
      this.lat = grow(this.lat, (n) => new Float64Array(n));
      this.ids = grow(this.ids, (n) => new Uint32Array(n));
    }
    this.lon[this.n] = lon;
    this.lat[this.n] = lat;
    this.ids[this.n] = id;
    this.n++;
  }

  remove(lon: number, lat: number, id: number): void {
    for (let i = 0; i < this.n; i++) {
      if (this.ids[i] !== id || this.lon[i] !== lon || this.lat[i] !== lat) continue;
      const last = --this.n;
      this.lon[i] = this.lon[last]!;
      this.lat[i] = this.lat[last]!;
      this.ids[i] = this.ids[last]!;
      return;
    }
  }

  /** Sorted distinct ids of points with at least one location accepted by `inside`. */
  select(inside: (lon: number, lat: number) => boolean): Uint32Array {
    const out = new Uint32Array(this.n);
    let k = 0;
    for (let i = 0; i < this.n; i++) if (inside(this.lon[i]!, this.lat[i]!)) out[k++] = this.ids[i]!;
    return sortUnique(out, k);
  }

  encode(w: ByteWriter): void {
    w.f64s(this.lon, this.n);
    w.f64s(this.lat, this.n);
    w.u32s(this.ids, this.n);
  }

  static decode(r: ByteReader): GeoIndex {
    const index = new GeoIndex();
    const lon = r.f64s(), lat = r.f64s(), ids = r.u32s();
    const cap = Math.max(16, ids.length);
    index.lon = new Float64Array(cap);
    index.lon.set(lon);
    index.lat = new Float64Array(cap);
    index.lat.set(lat);
    index.ids = new Uint32Array(cap);
    index.ids.set(ids);
    index.n = ids.length;
    return index;
  }
}
