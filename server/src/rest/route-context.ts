import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SextantClient } from '@sextant/core';
import type { IssueLog } from './issues.js';
import type { Metrics } from './metrics.js';
import type { SnapshotService } from './snapshots/snapshot-service.js';

/**
 * The engine as the routes see it: the `SextantClient` methods, plus the few that only some engines have (newer
 * Qdrant calls, `close`). Routes probe the optional ones and answer Qdrant's error when the engine lacks them.
 */
export type RestClient = SextantClient & OptionalEngineMethods;

/** Declared as methods so that an engine may type `config` more narrowly than the route does (it was validated). */
interface OptionalEngineMethods {
  createVectorName?(collection: string, vectorName: string, config: unknown, args?: WriteParams): Promise<unknown>;
  deleteVectorName?(collection: string, vectorName: string, args?: WriteParams): Promise<unknown>;
  getOptimizations?(collection: string, args?: { with?: string; completed_limit?: number }): Promise<unknown>;
}

export interface WriteParams {
  wait?: boolean;
  ordering?: 'weak' | 'medium' | 'strong';
  timeout?: number;
}

/** Server-wide state the service routes report on. */
export interface RestServices {
  client: RestClient;
  metrics: Metrics;
  snapshots: SnapshotService;
  startedAt: Date;
  /** This server's peer id in cluster answers: random per process, as a fresh Qdrant peer's. */
  peerId: number;
  version: string;
  /** Findings reported by `/issues` (integrity problems found at open). */
  issues: IssueLog;
  /** Node-wide quota settings (`PUT /quotas`), kept for the process as Qdrant keeps them until restart. */
  quotas: Record<string, unknown>;
}

/** What a route handler receives: the request already validated against the API description. */
export interface RouteContext {
  services: RestServices;
  client: RestClient;
  params: Record<string, string>;
  /** Query parameters, parsed to their schema types (`wait=true` → `true`). */
  query: Record<string, unknown>;
  body: any;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * A handler returns the `result` of Qdrant's envelope; the app wraps it. A handler that writes its own answer
 * (a file download, Prometheus text) returns `RAW` after sending through `reply`.
 */
export type Handler = (ctx: RouteContext) => Promise<unknown>;
export const RAW: unique symbol = Symbol('raw reply');

/** `wait`, `ordering`, `timeout` as the write methods of the client take them. */
export function writeParams(query: Record<string, unknown>): WriteParams {
  const out: WriteParams = { wait: query['wait'] === true };
  if (query['ordering'] !== undefined) out.ordering = query['ordering'] as WriteParams['ordering'];
  if (query['timeout'] !== undefined) out.timeout = query['timeout'] as number;
  return out;
}

/** `consistency` and `timeout` as the read methods take them. */
export function readParams(query: Record<string, unknown>): { consistency?: any; timeout?: number } {
  const out: { consistency?: any; timeout?: number } = {};
  if (query['consistency'] !== undefined) out.consistency = query['consistency'];
  if (query['timeout'] !== undefined) out.timeout = query['timeout'] as number;
  return out;
}
