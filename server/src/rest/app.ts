import { randomInt } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type onResponseHookHandler } from 'fastify';
import { SextantError, type EmbeddedClient, type Filter } from '@sextant/core';
import { authenticate, authorize, keysConfigured, OPEN_OPERATIONS, accessOfRequest, type AuthKeys } from './auth.js';
import { FILTERED_LISTS } from './operation-access.js';
import { readableCollections } from '../security/access.js';
import { docsPage } from './docs-page.js';
import { sendError, sendResult } from './envelope.js';
import { registerHttpExtras } from './http-extras.js';
import { registerBackPressure } from './back-pressure.js';
import { serveQueriesDirectly, type DirectRoute } from './direct-queries.js';
import { IssueLog } from './issues.js';
import { Metrics, type EndpointStats } from './metrics.js';
import { parseQuery } from './query-params.js';
import { RAW, type Handler, type RestClient, type RestServices } from './route-context.js';
import { clusterHandlers } from './routes/cluster.js';
import { collectionHandlers } from './routes/collections.js';
import { pointHandlers } from './routes/points.js';
import { searchHandlers } from './routes/search.js';
import { COMPATIBLE_VERSION, serviceHandlers } from './routes/service.js';
import { snapshotHandlers } from './routes/snapshots.js';
import { SnapshotService } from './snapshots/snapshot-service.js';
import { DirectorySnapshotStore, MemorySnapshotStore } from './snapshots/snapshot-store.js';
import { qdrantSpec, specOperations, type Operation } from './spec/load-spec.js';
import { serveDirectory } from './static-files.js';
import { bodyError } from './validation/body-errors.js';
import { registerSyncRoutes } from '../sync/sync-routes.js';
import { specValidator } from './validation/ajv-instance.js';
import { parseJsonBody } from './validation/json-body.js';
import { renameFieldAliases } from './validation/field-aliases.js';
import { checkCollectionPath } from './validation/path-params.js';

export interface RestAppOptions {
  /** The engine; an `EmbeddedClient` from `@sextant/core` or anything with the same methods. */
  client: RestClient;
  /** Full-access key (`api-key` header or `Authorization: Bearer`); none: the API is open. */
  apiKey?: string | undefined;
  /** Key that may read but not write. */
  readOnlyApiKey?: string | undefined;
  /** Also accept JWTs signed with `apiKey` whose claims scope them (Qdrant's `jwt_rbac`). */
  jwtRbac?: boolean | undefined;
  /** Built browser SDK, served at `/sdk/`. */
  sdkDir?: string | undefined;
  /** Built demo app, served at `/demo/`. */
  demoDir?: string | undefined;
  /** Folder for snapshot files (Qdrant's `./snapshots`); none: snapshots are kept in memory. */
  snapshotsDir?: string | undefined;
  logger?: boolean | undefined;
  /** Largest JSON body in bytes; Qdrant's default `max_request_size_mb` is 32. */
  bodyLimit?: number | undefined;
  /** Largest snapshot upload (or download, when recovering from a URL) in bytes. */
  snapshotUploadLimit?: number | undefined;
  /** Where `/issues` reads from; give the same log to the engine's `onIntegrityIssue` (see server.ts). */
  issues?: IssueLog | undefined;
  /** Requests handled at once before new ones get 429 (back-pressure.ts); default 512. */
  maxInFlight?: number | undefined;
  /** Hosts `recover from URL` may download from (`host` or `host:port`, `*` for any); see snapshot-sources.ts. */
  snapshotHosts?: readonly string[] | undefined;
  /**
   * Compile every route's body validator once the app is ready, one per turn of the event loop (about two seconds for
   * Qdrant's schemas in all), so that a route's first request does not wait for it while start-up does not either; a
   * request that comes before its validator is warm compiles it itself. The server does; tests that build many apps
   * may leave them lazy.
   */
  compileValidators?: boolean | undefined;
  /** Serve the sync endpoints (`/collections/{name}/sync/...`) when the client is an embedded engine; default true. */
  sync?: boolean | undefined;
}

const HANDLERS: Record<string, Handler> = {
  ...serviceHandlers,
  ...clusterHandlers,
  ...collectionHandlers,
  ...pointHandlers,
  ...searchHandlers,
  ...snapshotHandlers,
};

/**
 * Qdrant's REST API (every operation of its v1.19 description plus the legacy search/recommend/discover calls) on
 * fastify, not yet listening: call `listen` to serve, or `inject` to test. Routes are generated from the API
 * description, so a request is checked against exactly the schema Qdrant publishes before a handler runs.
 */
export async function buildRestApp(options: RestAppOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? 32 * 1024 * 1024;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit,
    return503OnClosing: true,
    // Long names reach the engine, which refuses them in Qdrant's words; a bad URL still gets Qdrant's envelope.
    routerOptions: { maxParamLength: 2048 },
    frameworkErrors: (error, _request, reply) => sendError(reply, error, performance.now()),
  });
  const services: RestServices = {
    client: options.client,
    metrics: new Metrics(),
    snapshots: new SnapshotService(
      options.client,
      options.snapshotsDir === undefined ? new MemorySnapshotStore() : new DirectorySnapshotStore(options.snapshotsDir),
      { snapshotsDir: options.snapshotsDir, allowedHosts: options.snapshotHosts, maxBytes: options.snapshotUploadLimit },
    ),
    startedAt: new Date(),
    peerId: randomInt(1, 2 ** 47),
    version: COMPATIBLE_VERSION,
    quotas: { enabled: false },
    issues: options.issues ?? new IssueLog(),
  };

  // Before any route is added: each route counts its own responses (404s and bad URLs match none and are not counted).
  app.addHook('onRoute', (route) => {
    route.onResponse = [...(route.onResponse === undefined ? [] : [route.onResponse].flat()), endpointCounter(services.metrics, actixPattern(route.url))];
  });
  registerHttpExtras(app);
  const gate = registerBackPressure(app, options.maxInFlight);
  registerBodyParsers(app);
  app.setErrorHandler((error, _request, reply) => sendError(reply, error));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ status: { error: `Not found: ${request.method} ${request.url.split('?')[0]}` }, time: 0 }),
  );

  const keys: AuthKeys = { apiKey: options.apiKey, readOnlyApiKey: options.readOnlyApiKey, jwtRbac: options.jwtRbac };
  if (keysConfigured(keys)) {
    const valueExists = async (collection: string, filter: Filter) =>
      (await services.client.scroll(collection, { filter, limit: 1, with_payload: false, with_vector: false })).points.length > 0;
    // Before the body is read: an unauthenticated client must not get the server to parse a large body.
    app.addHook('onRequest', async (request) => {
      const operationId = (request.routeOptions.config as { operationId?: string } | undefined)?.operationId;
      if (isOpenRoute(request.method, request.routeOptions.url, operationId)) return;
      await authenticate(request, keys, valueExists);
      if (operationId !== undefined) authorize(request, request.method, operationId, keys);
    });
  }
  if (options.compileValidators === true) warmValidatorsWhenReady(app);
  for (const op of specOperations()) {
    const handler = HANDLERS[op.id];
    if (!handler) throw new Error(`No handler for operation ${op.id}`);
    app.route({
      method: op.method,
      url: op.url,
      config: { operationId: op.id },
      ...(op.multipart ? { bodyLimit: options.snapshotUploadLimit ?? 1024 * 1024 * 1024 } : {}),
      // Not async: fastify catches what the first lines throw, and the engine's answer is sent from its own promise.
      // An async handler returning the (thenable) reply cost two more microtask turns per request, and, when the
      // answer is gzipped, stream end-of-life listeners on the response to learn that it had been sent.
      handler: (request, reply) => {
        runOperation(op, services, request.params as Record<string, string>, request.query as Record<string, unknown>, request.body, request, reply).then(
          (result) => {
            try {
              if (result !== RAW) sendResult(reply, FILTERED_LISTS.has(op.id) ? onlyReadable(result, accessOfRequest(request)) : result);
            } catch (error) {
              sendFailure(reply, error);
            }
          },
          (error: unknown) => sendFailure(reply, error),
        );
      },
    });
  }

  // Plain queries skip fastify on an open server (direct-queries.ts); keys are checked in fastify's hooks only.
  if (!keysConfigured(keys) && options.logger !== true) {
    app.decorate('sextantDirectQueries', serveQueriesDirectly(app, { routes: directRoutes(services), gate, metrics: services.metrics, bodyLimit }));
  }

  if (options.sync !== false && 'engine' in options.client) registerSyncRoutes(app, { engine: (options.client as EmbeddedClient).engine, keys });
  app.get('/openapi.json', async () => qdrantSpec());
  app.get('/docs', async (_request, reply) => reply.header('content-type', 'text/html; charset=utf-8').send(docsPage(qdrantSpec())));
  if (options.sdkDir !== undefined) serveDirectory(app, '/sdk/', options.sdkDir);
  if (options.demoDir !== undefined) serveDirectory(app, '/demo/', options.demoDir);

  await app.ready();
  return app;
}

/**
 * A route's failure after its handler returned, sent as fastify sends an async handler's rejection: an Error goes
 * through the error handler (and onError hooks); any other value, which fastify would hand the error handler too,
 * gets the same envelope from `sendError` directly.
 */
function sendFailure(reply: FastifyReply, error: unknown): void {
  if (reply.sent) return;
  if (error instanceof Error) reply.send(error);
  else sendError(reply, error);
}

/** Routes open without a key: health probes, CORS preflight, the API description and the static SDK / demo files. */
function isOpenRoute(method: string, url: string | undefined, operationId: string | undefined): boolean {
  if (operationId !== undefined) return OPEN_OPERATIONS.has(operationId);
  if (method === 'OPTIONS') return true;
  return url === '/openapi.json' || url === '/docs' || url?.startsWith('/sdk/') === true || url?.startsWith('/demo/') === true;
}

/** `get_collections` / `get_collections_aliases` as a collection-scoped token sees them: its collections only. */
function onlyReadable(result: unknown, access: ReturnType<typeof accessOfRequest>): unknown {
  const readable = readableCollections(access);
  if (readable === undefined || result === null || typeof result !== 'object') return result;
  const out = { ...(result as Record<string, unknown>) };
  if (Array.isArray(out['collections'])) out['collections'] = (out['collections'] as Array<{ name: string }>).filter((c) => readable.has(c.name));
  if (Array.isArray(out['aliases'])) out['aliases'] = (out['aliases'] as Array<{ collection_name: string }>).filter((a) => readable.has(a.collection_name));
  return out;
}

/**
 * A route pattern as Qdrant's actix routes spell it in telemetry and metrics keys: `/collections/{name}/points/{id}`
 * for fastify's `/collections/:collection_name/points/:id` (dashboards and Qdrant's tests key on these strings).
 */
function actixPattern(url: string): string {
  return url.replace(/:collection_name\b/g, '{name}').replace(/:([A-Za-z_]\w*)/g, '{$1}');
}

/**
 * An `onResponse` hook that counts a route's answers in `/metrics` and `/telemetry`, keyed by method and route pattern.
 * It holds the route's counters, so a response costs no key string, no map lookup and no `request.routeOptions` (a
 * getter that builds a dozen-field object each call).
 */
function endpointCounter(metrics: Metrics, url: string): onResponseHookHandler {
  let method = '';
  let stats: EndpointStats | undefined;
  return (request, reply, done) => {
    // A route may serve several methods; the counters of the last one are kept at hand.
    if (stats === undefined || request.method !== method) stats = metrics.endpoint((method = request.method), url);
    metrics.recordTo(stats, reply.statusCode, reply.elapsedTime / 1000);
    done();
  };
}


/**
 * query_points and search_points as direct-queries.ts serves them: the steps of the route above in its order (the
 * content-type parser, then the path, query and body checks, then the handler). The handlers read neither
 * `request` nor `reply`.
 */
function directRoutes(services: RestServices): DirectRoute[] {
  return specOperations()
    .filter((op) => op.id === 'query_points' || op.id === 'search_points')
    .map((op) => ({
      suffix: op.url.slice(op.url.indexOf('/', '/collections/'.length)),
      pattern: actixPattern(op.url),
      read: (raw: Buffer) => parseJsonBody(raw),
      answer: (collection: string, parsed: unknown) => runOperation(op, services, { collection_name: collection }, {}, parsed, undefined!, undefined!),
    }));
}

/**
 * An operation's steps after its body was read, for fastify's route and the direct path alike: the path, query and
 * body checks (they throw Qdrant's 4xx), then the handler. Returns the handler's answer, the envelope's `result`.
 */
function runOperation(
  op: Operation,
  services: RestServices,
  params: Record<string, string>,
  rawQuery: Record<string, unknown>,
  rawBody: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  checkCollectionPath(params);
  const query = parseQuery(op, rawQuery);
  const body = op.body ? validBody(op, rawBody) : undefined;
  return HANDLERS[op.id]!({ services, client: services.client, params, query, body, request, reply });
}

/**
 * The JSON body, checked against the operation's schema. Qdrant's spec marks every body optional, but its handlers
 * parse one: a missing body is read as `{}` and then must satisfy the schema like any other.
 */
function validBody(op: Operation, raw: unknown): unknown {
  let body = raw;
  if (Buffer.isBuffer(body)) body = parseJsonBody(body);
  if (body === undefined || body === null) body = {};
  const validate = specValidator(op.body!);
  renameFieldAliases(body);
  if (!validate(body)) throw bodyError(validate.errors ?? [], 'JSON body', VALIDATOR_PATHS[op.id]);
  return body;
}

/**
 * Qdrant's query request nests its fields in a flattened `internal` struct, and its validator names them by that
 * path: `[internal.limit: value 0 invalid, ...]`, `[searches[0].internal.limit: ...]` in a batch.
 */
const VALIDATOR_PATHS: Record<string, (path: string) => string> = {
  query_points: (path) => `internal.${path}`,
  query_batch_points: (path) => path.replace(/^(searches\[\d+\])\./, '$1.internal.'),
};

/**
 * JSON is parsed here rather than by fastify so that malformed JSON gets Qdrant's 400 envelope, under Qdrant's
 * limits (json-body.ts). Other content types (multipart snapshot uploads, curl's default form type carrying JSON)
 * arrive as a Buffer for the route to read.
 */
function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}

/** Compiles the body validators of every route after `app` is ready, one per event-loop turn, until it closes. */
function warmValidatorsWhenReady(app: FastifyInstance): void {
  const pending = specOperations().flatMap((op) => (op.body ? [op.body] : []));
  let closed = false;
  const next = () => {
    const schema = pending.shift();
    if (closed || schema === undefined) return;
    specValidator(schema);
    setImmediate(next);
  };
  app.addHook('onReady', async () => void setImmediate(next));
  app.addHook('onClose', async () => void (closed = true));
}
