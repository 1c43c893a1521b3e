import { loadConfig } from './config/load-config.js';
import type { ServerConfig } from './config/server-config.js';

export type { ServerConfig, TlsFiles } from './config/server-config.js';
export { DEFAULT_CONFIG } from './config/server-config.js';
export { loadConfig } from './config/load-config.js';
export type { ConfigSources, LoadedConfig } from './config/load-config.js';
export { ConfigError } from './config/config-error.js';

/** The settings from the environment alone (short `SEXTANT_*` and Qdrant-style `SEXTANT__*` names), no file. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return loadConfig({ env, configPath: false }).config;
}
