import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { startServer, type RunningServer } from './server.js';

export const USAGE = `Usage: sextant [serve] [options]
       sextant --help | --version

Serves a Sextant database over Qdrant's REST (default port 6333) and gRPC (6334) APIs.

Options (they win over environment variables, which win over the config file):
  --http-port N            REST port (0: any free port)            [service.http_port, SEXTANT_HTTP_PORT]
  --grpc-port N            gRPC port                               [service.grpc_port, SEXTANT_GRPC_PORT]
  --no-grpc                do not serve gRPC                       [service.grpc_port: null]
  --host H                 address to listen on (default ::)       [service.host, SEXTANT_HOST]
  --storage PATH           data folder (default ./storage)         [storage.storage_path, SEXTANT_STORAGE]
  --snapshots PATH         snapshot folder (default ./snapshots)   [storage.snapshots_path, SEXTANT_SNAPSHOTS]
  --api-key K              key every request must carry            [service.api_key, SEXTANT_API_KEY]
  --read-only-api-key K    key that may read but not write         [service.read_only_api_key, SEXTANT_READ_ONLY_API_KEY]
  --search-threads N|off   graph-walk threads (0: one per core)    [storage.performance.max_search_threads, SEXTANT_SEARCH_THREADS]
  --tls-cert PATH          PEM certificate chain: serve over TLS   [tls.cert, SEXTANT_TLS_CERT]
  --tls-key PATH           PEM private key for --tls-cert          [tls.key, SEXTANT_TLS_KEY]
  --config PATH            Qdrant-style config.yaml                [SEXTANT_CONFIG_PATH; default ./config/config.yaml if present]
  -h, --help               show this help
  -v, --version            show the version

Every config.yaml key can also be set as SEXTANT__SECTION__KEY (e.g. SEXTANT__SERVICE__HTTP_PORT=6333).
`;

/** What the command line asks for; `serve` carries the flags by long name, as `loadConfig` takes them. */
export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'serve'; flags: Record<string, string | undefined>; configPath: string | undefined };

/** A command line that cannot be understood; the message is shown with a pointer to --help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const STRING_FLAGS = ['http-port', 'grpc-port', 'host', 'storage', 'snapshots', 'api-key', 'read-only-api-key', 'tls-cert', 'tls-key', 'search-threads', 'config'] as const;

export function parseCommand(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        ...Object.fromEntries(STRING_FLAGS.map((name) => [name, { type: 'string' as const }])),
        'no-grpc': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    // parseArgs explains itself ("Unknown option '--x'", "Option '--storage <value>' argument missing").
    throw new UsageError((error as Error).message.split('. ')[0]!);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command, ...extra] = parsed.positionals;
  if (command === 'help') return { kind: 'help' };
  if (command !== undefined && command !== 'serve') throw new UsageError(`unknown command "${command}"`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (values['no-grpc'] && values['grpc-port'] !== undefined) throw new UsageError('--no-grpc and --grpc-port contradict each other');
  const flags: Record<string, string | undefined> = {};
  for (const name of STRING_FLAGS) if (name !== 'config' && typeof values[name] === 'string') flags[name] = values[name];
  if (values['no-grpc']) flags['grpc-port'] = 'null';
  return { kind: 'serve', flags, configPath: values.config as string | undefined };
}

/** This package's version: the nearest package.json above this module that is @sextant/server's (src/, dist/, a bundle). */
export function packageVersion(): string {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@sextant/server' && pkg.version) return pkg.version;
    } catch {
      // no package.json here: keep climbing
    }
    if (new URL('../', dir).href === dir.href) return 'unknown';
  }
}

/**
 * Runs the command line as the `sextant` binary does: prints help or version, or starts the server and stops it
 * (flushing data) on SIGINT / SIGTERM. Problems a user can fix print one message, no stack trace, exit code 1.
 */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let server: RunningServer;
  try {
    const command = parseCommand(argv);
    if (command.kind === 'help') return void process.stdout.write(USAGE);
    if (command.kind === 'version') return void process.stdout.write(`sextant ${packageVersion()} (Qdrant API 1.19)\n`);
    const loaded = loadConfig({ env, flags: command.flags, configPath: command.configPath });
    if (loaded.file !== undefined) console.log(`sextant: settings from ${loaded.file}`);
    if (loaded.ignored.length > 0) console.log(`sextant: ignoring Qdrant settings that do not apply to Sextant: ${loaded.ignored.join(', ')}`);
    const { config } = loaded;
    server = await startServer(config);
    const scheme = server.tls ? 'https' : 'http';
    console.log(
      `Sextant listening: REST ${scheme}://localhost:${server.httpPort}, ` +
        `gRPC ${server.grpcPort === undefined ? 'off' : `localhost:${server.grpcPort}${server.tls ? ' (TLS)' : ''}`}, ` +
        `data in ${config.storagePath}${config.apiKey ? ', api key required' : ''}`,
    );
  } catch (error) {
    process.exitCode = 1;
    if (error instanceof UsageError) return void console.error(`sextant: ${error.message}\nRun "sextant --help" for the options.`);
    if (error instanceof ConfigError) return void console.error(`sextant: ${error.message}`);
    // Start-up failures a user can act on (port taken, folder not writable) have a code; anything else is a bug.
    const code = (error as NodeJS.ErrnoException).code;
    return void console.error(code !== undefined ? `sextant: could not start: ${(error as Error).message}` : error);
  }
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      server.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    });
  }
}
