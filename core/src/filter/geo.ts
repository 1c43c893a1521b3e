import type { Schemas } from '../client/sextant-client.js';

/**
 * Qdrant's geo predicates on one point. Bounding boxes are open (a point on an edge is outside) and may cross the
 * antimeridian (`top_left.lon > bottom_right.lon`); radius is a haversine distance in metres on the mean Earth
 * radius, strictly less than `radius`; a polygon contains a point strictly inside its exterior ring and outside
 * every interior ring (holes).
 */
const EARTH_RADIUS_M = 6371008.8;

export function inBoundingBox(box: Schemas['GeoBoundingBox'], lon: number, lat: number): boolean {
  const { top_left: tl, bottom_right: br } = box;
  const lonOk = tl.lon > br.lon ? lon > tl.lon || lon < br.lon : tl.lon < lon && lon < br.lon;
  return lonOk && br.lat < lat && lat < tl.lat;
}

export function haversineMeters(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

export function inRadius(r: Schemas['GeoRadius'], lon: number, lat: number): boolean {
  return haversineMeters(r.center.lon, r.center.lat, lon, lat) < r.radius;
}

export function inPolygon(p: Schemas['GeoPolygon'], lon: number, lat: number): boolean {
  if (!inRing(p.exterior.points, lon, lat)) return false;
  for (const hole of p.interiors ?? []) if (inRing(hole.points, lon, lat) || onRing(hole.points, lon, lat)) return false;
  return !onRing(p.exterior.points, lon, lat);
}

/** Even-odd ray casting in the lon/lat plane (Qdrant treats polygon edges as planar too). */
function inRing(ring: Schemas['GeoPoint'][], lon: number, lat: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!, b = ring[j]!;
    if (a.lat > lat !== b.lat > lat && lon < ((b.lon - a.lon) * (lat - a.lat)) / (b.lat - a.lat) + a.lon) inside = !inside;
  }
  return inside;
}

function onRing(ring: Schemas['GeoPoint'][], lon: number, lat: number): boolean {
  for (let i = 0; i + 1 < ring.length; i++) {
    const a = ring[i]!, b = ring[i + 1]!;
    const cross = (b.lon - a.lon) * (lat - a.lat) - (b.lat - a.lat) * (lon - a.lon);
    if (Math.abs(cross) > 1e-12) continue;
    if (lon >= Math.min(a.lon, b.lon) && lon <= Math.max(a.lon, b.lon) && lat >= Math.min(a.lat, b.lat) && lat <= Math.max(a.lat, b.lat)) return true;
  }
  return false;
}

/** A payload value that is a geo point (`{lon, lat}` numbers), or undefined. */
export function asGeoPoint(value: unknown): { lon: number; lat: number } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { lon, lat } = value as { lon?: unknown; lat?: unknown };
  return typeof lon === 'number' && typeof lat === 'number' ? { lon, lat } : undefined;
}
