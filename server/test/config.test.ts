import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv, DEFAULT_CONFIG, loadConfig, type ConfigSources } from '../src/config.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sextant-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function withFile(yaml: string, name = 'config/config.yaml'): Promise<string> {
  const file = join(dir, name);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, yaml);
  return file;
}

function load(sources: ConfigSources = {}) {
  return loadConfig({ env: {}, cwd: dir, ...sources });
}

function problemsOf(sources: ConfigSources): readonly string[] {
  try {
    load(sources);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  it('keep the quick start: REST 6333, gRPC 6334, ./storage, open API, no TLS', () => {
    const { config, file, ignored } = load();
    expect(file).toBeUndefined();
    expect(ignored).toEqual([]);
    expect(config).toMatchObject({ host: '::', httpPort: 6333, grpcPort: 6334, storagePath: './storage', snapshotsPath: './snapshots' });
    expect(config.apiKey).toBeUndefined();
    expect(config.tls).toBeUndefined();
    expect(config.bodyLimit).toBeUndefined();
    expect(config).toEqual({ ...DEFAULT_CONFIG });
  });
});

describe('config.yaml in Qdrant layout', () => {
  it('is read from ./config/config.yaml and maps Qdrant keys', async () => {
    const file = await withFile(`
service:
  host: 127.0.0.1
  http_port: 7333
  grpc_port: 7334
  api_key: secret
  read_only_api_key: reader
  jwt_rbac: true
  max_request_size_mb: 2
storage:
  storage_path: ./data
  snapshots_path: ./snaps
`);
    const { config, file: used } = load();
    expect(used).toBe(file);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      httpPort: 7333,
      grpcPort: 7334,
      apiKey: 'secret',
      readOnlyApiKey: 'reader',
      jwtRbac: true,
      storagePath: './data',
      snapshotsPath: './snaps',
      bodyLimit: 2 * 1024 * 1024,
    });
  });

  it('turns gRPC off with grpc_port: null', async () => {
    await withFile('service:\n  grpc_port: null\n');
    expect(load().config.grpcPort).toBeNull();
  });

  it("accepts Qdrant's other settings, reports them as ignored, and keeps TLS off while enable_tls is false", async () => {
    await withFile(`
log_level: INFO
storage:
  storage_path: ./storage
  on_disk_payload: true
  wal:
    wal_capacity_mb: 32
  optimizers:
    deleted_threshold: 0.2
  hnsw_index:
    m: 16
service:
  max_workers: 0
  enable_cors: true
  enable_tls: false
cluster:
  enabled: false
  p2p:
    port: 6335
telemetry_disabled: false
tls:
  cert: ./tls/cert.pem
  key: ./tls/key.pem
  cert_ttl: 3600
`);
    const { config, ignored } = load();
    expect(config.tls).toBeUndefined(); // the named files do not exist, and that is fine with TLS off
    expect(ignored.sort()).toEqual(
      ['cluster.p2p', 'log_level', 'service.enable_cors', 'service.max_workers', 'storage.hnsw_index', 'storage.on_disk_payload', 'storage.optimizers', 'storage.wal', 'telemetry_disabled', 'tls.cert_ttl'].sort(),
    );
  });

  it('an empty file or empty section means the defaults', async () => {
    await withFile('tls:\nservice:\n');
    expect(load().config).toEqual({ ...DEFAULT_CONFIG });
  });

  it('names every unknown key and invalid value, with the file, in one error', async () => {
    await withFile(`
service:
  htp_port: 1
  http_port: seventy
  grpc_port: 70000
  jwt_rbac: maybe
  max_request_size_mb: -1
storage:
  storage_path: 12.5.3
bogus:
  x: 1
cluster:
  enabled: true
`);
    const problems = problemsOf({});
    expect(problems).toEqual(
      expect.arrayContaining([
        'service.htp_port (in config/config.yaml): unknown setting',
        expect.stringMatching(/^service\.http_port \(from config\/config\.yaml\): must be a port number .* got "seventy"$/),
        expect.stringMatching(/^service\.grpc_port .*\(or null to turn it off\), got 70000$/),
        expect.stringMatching(/^service\.jwt_rbac .* must be true or false, got "maybe"$/),
        expect.stringMatching(/^service\.max_request_size_mb .* positive number, got -1$/),
        'bogus (in config/config.yaml): unknown setting',
        expect.stringMatching(/^cluster\.enabled .* single node/),
      ]),
    );
    expect(problems).toHaveLength(7);
    expect(problems.join('\n')).not.toContain('storage_path'); // a YAML string "12.5.3" is a valid path
  });

  it('reports broken YAML with its position, and a section given a scalar', async () => {
    await withFile('service:\n  http_port: [1,\n');
    expect(problemsOf({})[0]).toMatch(/not valid YAML/);
    await withFile('service: 6333\n');
    expect(problemsOf({})).toEqual([expect.stringMatching(/^service \(in .*\): must be a section/)]);
  });

  it('--config / SEXTANT_CONFIG_PATH name another file, which must exist', async () => {
    await withFile('service:\n  http_port: 1111\n');
    const other = await withFile('service:\n  http_port: 2222\n', 'elsewhere.yaml');
    expect(load({ configPath: other }).config.httpPort).toBe(2222);
    expect(load({ env: { SEXTANT_CONFIG_PATH: 'elsewhere.yaml' } }).config.httpPort).toBe(2222);
    expect(problemsOf({ configPath: 'missing.yaml' })[0]).toMatch(/^config file missing\.yaml: cannot be read/);
  });
});

describe('precedence: file < SEXTANT__SECTION__KEY < SEXTANT_* < flags', () => {
  it('each layer wins over the one before', async () => {
    await withFile('service:\n  http_port: 1001\n  grpc_port: 1002\n  host: file-host\nstorage:\n  storage_path: file-storage\n');
    const env = { SEXTANT__SERVICE__HTTP_PORT: '2001', SEXTANT__SERVICE__GRPC_PORT: '2002', SEXTANT__SERVICE__HOST: 'env-host', SEXTANT_HTTP_PORT: '3001' };
    const { config } = load({ env, flags: { 'http-port': '4001', storage: 'flag-storage' } });
    expect(config).toMatchObject({ httpPort: 4001, grpcPort: 2002, host: 'env-host', storagePath: 'flag-storage' });
  });

  it('Qdrant-style names reach every setting, "null" turns gRPC off, and unknown ones are named', () => {
    expect(load({ env: { SEXTANT__STORAGE__STORAGE_PATH: '/data', SEXTANT__SERVICE__GRPC_PORT: 'null' } }).config).toMatchObject({ storagePath: '/data', grpcPort: null });
    expect(load({ env: { SEXTANT__STORAGE__OPTIMIZERS__DELETED_THRESHOLD: '0.5' } }).ignored).toEqual(['storage.optimizers']);
    expect(problemsOf({ env: { SEXTANT__SERVICE__HTTP_POTR: '1' } })).toEqual(['SEXTANT__SERVICE__HTTP_POTR: unknown setting (service.http_potr)']);
  });

  it('an empty short variable is unset, except a key, where it clears the one from the file', async () => {
    await withFile('service:\n  http_port: 1001\n  api_key: from-file\n');
    const { config } = load({ env: { SEXTANT_HTTP_PORT: '', SEXTANT_API_KEY: '' } });
    expect(config.httpPort).toBe(1001);
    expect(config.apiKey).toBeUndefined();
  });

  it('flags are checked like the other sources', () => {
    expect(problemsOf({ flags: { 'http-port': '65536', 'grpc-port': 'x' } })).toEqual([
      expect.stringMatching(/^service\.http_port \(from --http-port\): must be a port number/),
      expect.stringMatching(/^service\.grpc_port \(from --grpc-port\)/),
    ]);
  });

  it('configFromEnv reads the environment only, never a file in the working directory', async () => {
    await withFile('service:\n  http_port: 1001\n');
    const previous = process.cwd();
    process.chdir(dir);
    try {
      expect(configFromEnv({ SEXTANT_GRPC_PORT: '9', SEXTANT_MAX_IN_FLIGHT: '7', SEXTANT_SNAPSHOT_HOSTS: 'a, b:1' })).toMatchObject({
        httpPort: 6333,
        grpcPort: 9,
        maxInFlight: 7,
        snapshotHosts: ['a', 'b:1'],
      });
    } finally {
      process.chdir(previous);
    }
  });
});

describe('TLS settings', () => {
  const pem = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;

  it("follow Qdrant: on with enable_tls, reading tls.cert and tls.key relative to the working directory", async () => {
    await withFile(pem('CERTIFICATE'), 'tls/cert.pem');
    await withFile(pem('PRIVATE KEY'), 'tls/key.pem');
    await withFile('service:\n  enable_tls: true\ntls:\n  cert: ./tls/cert.pem\n  key: ./tls/key.pem\n');
    const { tls } = load().config;
    expect(tls?.cert.toString()).toBe(pem('CERTIFICATE'));
    expect(tls?.key.toString()).toBe(pem('PRIVATE KEY'));
    expect(tls?.clientCa).toBeUndefined();
  });

  it('a certificate given by flag or short variable turns TLS on by itself; a missing half is named', async () => {
    const cert = await withFile(pem('CERTIFICATE'), 'c.pem');
    const key = await withFile(pem('PRIVATE KEY'), 'k.pem');
    expect(load({ flags: { 'tls-cert': cert, 'tls-key': key } }).config.tls).toBeDefined();
    expect(load({ env: { SEXTANT_TLS_CERT: cert, SEXTANT_TLS_KEY: key } }).config.tls).toBeDefined();
    expect(problemsOf({ flags: { 'tls-cert': cert } })).toEqual(['tls.key: required when TLS is on']);
  });

  it('unreadable or non-PEM files, and client verification without a CA, stop start-up', async () => {
    const notPem = await withFile('hello', 'k.pem');
    const problems = problemsOf({
      env: { SEXTANT__SERVICE__ENABLE_TLS: 'true', SEXTANT__SERVICE__VERIFY_HTTPS_CLIENT_CERTIFICATE: 'true' },
      flags: { 'tls-cert': join(dir, 'nope.pem'), 'tls-key': notPem },
    });
    expect(problems).toEqual([
      expect.stringMatching(/^tls\.cert \(from --tls-cert\): cannot read .*nope\.pem: ENOENT/),
      expect.stringMatching(/^tls\.key \(from --tls-key\): cannot read .*k\.pem: not a PEM file$/),
      'tls.ca_cert: required when service.verify_https_client_certificate is true',
    ]);
  });
});
