import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What `npm run build` (root) must have produced before the suite can run. */
const BUILT = ['server/dist/main.js', 'browser/dist/sdk/sextant.js', 'demo/dist/index.html'];

/**
 * The real built server (`node server/dist/main.js`, what `npm start` runs) in a child process, over a fresh
 * temporary storage folder.
 *
 * Ports: the first start asks for port 0 and reads the ones it got from the start-up line; every later start reuses
 * them, because the page's origin (and with it its IndexedDB, its service worker and its cache) is host + port, so
 * a restarted server must come back at the same address for the open tabs to reconnect to it.
 */
export class SextantServer {
  private child: ChildProcess | undefined;
  private httpPort = 0;
  private grpcPort = 0;
  private readonly dir = mkdtempSync(join(tmpdir(), 'sextant-e2e-'));
  private log = '';

  static assertBuilt(): void {
    const missing = BUILT.filter((file) => !existsSync(join(ROOT, file)));
    if (missing.length > 0) {
      throw new Error(`The e2e suite runs the built server, SDK and demo; run \`npm run build\` first (missing: ${missing.join(', ')})`);
    }
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** `http://127.0.0.1:<port>`; valid after the first start. */
  get url(): string {
    if (this.httpPort === 0) throw new Error('the server has not started yet');
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get demoUrl(): string {
    return `${this.url}/demo/`;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn(process.execPath, [join(ROOT, 'server', 'dist', 'main.js')], {
      cwd: this.dir,
      env: {
        ...process.env,
        SEXTANT_HOST: '127.0.0.1',
        SEXTANT_HTTP_PORT: String(this.httpPort),
        SEXTANT_GRPC_PORT: String(this.grpcPort),
        SEXTANT_STORAGE: join(this.dir, 'storage'),
        SEXTANT_SNAPSHOTS: join(this.dir, 'snapshots'),
        SEXTANT_API_KEY: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const ready = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        this.log += chunk.toString();
        const match = /REST http:\/\/[^:]+:(\d+), gRPC [^:]+:(\d+)/.exec(this.log);
        if (match) {
          this.httpPort = Number(match[1]);
          this.grpcPort = Number(match[2]);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
      child.once('exit', (code, signal) => {
        this.child = undefined;
        reject(new Error(`the server exited (${signal ?? code}) before listening:\n${this.log}`));
      });
    });
    await ready;
  }

  /**
   * SIGTERM, as a person stopping `npm start` with Ctrl-C would; resolves once the process is gone. A graceful close
   * waits for open requests (a sync long poll can hold one for seconds), so after `graceMs` it is SIGKILL, which the
   * server must survive anyway (its op log is durable before a write is acknowledged).
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 2_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    this.child = undefined;
    this.log = '';
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops the server and deletes its storage folder. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The server side of the demo's collection, from the sync status route: its point count and last op number. */
  async syncStatus(collection: string): Promise<{ points: number; seq: number }> {
    const result = await this.rest<{ points_count: number; checkpoint: { seq: number } }>('GET', `/collections/${collection}/sync/status`);
    return { points: result.points_count, seq: result.checkpoint.seq };
  }

  /** The points of `ids` the server holds (ids as the page shows them: digits are numeric ids, else UUIDs). */
  async retrieve(collection: string, ids: string[]): Promise<Array<{ id: string | number; payload: Record<string, unknown> }>> {
    const wanted = ids.map((id) => (/^\d+$/.test(id) ? Number(id) : id));
    return this.rest('POST', `/collections/${collection}/points`, { ids: wanted, with_payload: true });
  }

  /** A call to the server's Qdrant REST API, as any client would make it; rejects on a non-2xx answer. */
  async rest<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return (JSON.parse(text) as { result: T }).result;
  }
}
