/**
 * Request statistics per endpoint, for `/metrics` (Prometheus text) and `/telemetry` (Qdrant's
 * `requests.rest.responses`). Endpoints are keyed by method and route pattern (`POST /collections/{name}/points`),
 * never by concrete URL, so the number of series stays bounded whatever clients send.
 */
const BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1, 5] as const;

/** Durations of the responses counted: an endpoint's in all, and per status (telemetry reports each apart, as Qdrant does). */
export interface StatusStats {
  count: number;
  totalSeconds: number;
  minSeconds: number;
  maxSeconds: number;
  lastResponded: number;
}

/** One endpoint's counters; `Metrics.endpoint` hands it out so that a route records without looking itself up. */
export interface EndpointStats extends StatusStats {
  failCount: number;
  /** Cumulative counts per bucket of BUCKETS_SECONDS; the +Inf bucket is `count`. */
  buckets: Uint32Array;
  byStatus: Map<number, StatusStats>;
}

function noDurations(): StatusStats {
  return { count: 0, totalSeconds: 0, minSeconds: Infinity, maxSeconds: 0, lastResponded: 0 };
}

function addDuration(d: StatusStats, seconds: number, now: number): void {
  d.count++;
  d.totalSeconds += seconds;
  if (seconds < d.minSeconds) d.minSeconds = seconds;
  if (seconds > d.maxSeconds) d.maxSeconds = seconds;
  d.lastResponded = now;
}

export interface CollectionSize {
  name: string;
  points: number;
  vectors: number;
}

export class Metrics {
  private readonly endpoints = new Map<string, EndpointStats>();

  /** The counters of `method route`, created (and listed from then on) at the first call. */
  endpoint(method: string, route: string): EndpointStats {
    const key = `${method} ${route}`;
    let stats = this.endpoints.get(key);
    if (!stats) {
      stats = { ...noDurations(), failCount: 0, buckets: new Uint32Array(BUCKETS_SECONDS.length), byStatus: new Map() };
      this.endpoints.set(key, stats);
    }
    return stats;
  }

  /** One response of the endpoint (its counters from `endpoint`, taken once per route): no key built per response. */
  recordTo(stats: EndpointStats, status: number, seconds: number): void {
    const now = Date.now();
    addDuration(stats, seconds, now);
    if (status >= 400) stats.failCount++;
    for (let i = 0; i < BUCKETS_SECONDS.length; i++) if (seconds <= BUCKETS_SECONDS[i]!) stats.buckets[i]!++;
    // An object per status seen (a handful per endpoint), none per response.
    let perStatus = stats.byStatus.get(status);
    if (!perStatus) stats.byStatus.set(status, (perStatus = noDurations()));
    addDuration(perStatus, seconds, now);
  }

  /** Qdrant's `WebApiTelemetry.responses`: endpoint → status → duration statistics. */
  restResponses(): Record<string, Record<string, Record<string, unknown>>> {
    const out: Record<string, Record<string, Record<string, unknown>>> = {};
    for (const [key, stats] of this.endpoints) {
      const perStatus: Record<string, Record<string, unknown>> = {};
      for (const [status, one] of stats.byStatus) {
        perStatus[String(status)] = {
          count: one.count,
          fail_count: status >= 400 ? one.count : 0,
          avg_duration_micros: (one.totalSeconds / one.count) * 1e6,
          min_duration_micros: one.minSeconds * 1e6,
          max_duration_micros: one.maxSeconds * 1e6,
          total_duration_micros: Math.round(one.totalSeconds * 1e6),
          last_responded: new Date(one.lastResponded).toISOString(),
        };
      }
      out[key] = perStatus;
    }
    return out;
  }

  /** The Prometheus exposition text (version 0.0.4). */
  render(version: string, collections: CollectionSize[]): string {
    const lines: string[] = [];
    const family = (name: string, type: string, help: string) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    family('app_info', 'gauge', 'information about the sextant server');
    lines.push(`app_info{name="sextant",version="${version}"} 1`);
    // Gauges Qdrant always prints; this server has no recovery mode and runs standalone.
    family('app_status_recovery_mode', 'gauge', 'whether the server was started in recovery mode');
    lines.push('app_status_recovery_mode 0');
    family('cluster_enabled', 'gauge', 'is cluster support enabled');
    lines.push('cluster_enabled 0');
    family('collections_total', 'gauge', 'number of collections');
    lines.push(`collections_total ${collections.length}`);
    family('collection_points', 'gauge', 'approximate number of points in the collection');
    for (const c of collections) lines.push(`collection_points{collection="${escape(c.name)}"} ${c.points}`);
    family('collection_vectors', 'gauge', 'approximate number of indexed vectors in the collection');
    for (const c of collections) lines.push(`collection_vectors{collection="${escape(c.name)}"} ${c.vectors}`);
    family('rest_responses_total', 'counter', 'total number of responses per endpoint and status');
    for (const [key, stats] of this.endpoints) {
      for (const [status, one] of stats.byStatus) lines.push(`rest_responses_total{${labels(key)},status="${status}"} ${one.count}`);
    }
    family('rest_responses_fail_total', 'counter', 'total number of failed responses per endpoint');
    for (const [key, stats] of this.endpoints) lines.push(`rest_responses_fail_total{${labels(key)}} ${stats.failCount}`);
    for (const [name, help, read] of [
      ['avg', 'average', (stats: EndpointStats) => stats.totalSeconds / stats.count],
      ['min', 'minimum', (stats: EndpointStats) => stats.minSeconds],
      ['max', 'maximum', (stats: EndpointStats) => stats.maxSeconds],
    ] as const) {
      family(`rest_responses_${name}_duration_seconds`, 'gauge', `${help} response duration in REST API`);
      for (const [key, stats] of this.endpoints) if (stats.count > 0) lines.push(`rest_responses_${name}_duration_seconds{${labels(key)}} ${read(stats)}`);
    }
    family('rest_responses_duration_seconds', 'histogram', 'response duration per endpoint');
    for (const [key, stats] of this.endpoints) {
      BUCKETS_SECONDS.forEach((le, i) => lines.push(`rest_responses_duration_seconds_bucket{${labels(key)},le="${le}"} ${stats.buckets[i]}`));
      lines.push(`rest_responses_duration_seconds_bucket{${labels(key)},le="+Inf"} ${stats.count}`);
      lines.push(`rest_responses_duration_seconds_sum{${labels(key)}} ${stats.totalSeconds}`);
      lines.push(`rest_responses_duration_seconds_count{${labels(key)}} ${stats.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function labels(key: string): string {
  const space = key.indexOf(' ');
  return `method="${key.slice(0, space)}",endpoint="${escape(key.slice(space + 1))}"`;
}

function escape(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}
