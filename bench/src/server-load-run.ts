import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SERVER_LOAD, formatServerLoad, runServerLoad } from './server-load.js';

/**
 * `node bench/dist/server-load-run.js`: the server load table (REST and gRPC against in-process), also written
 * to bench/results/server-load.json. SEXTANT_LOAD_SECONDS shortens or lengthens each row (default 6).
 */
const seconds = Number(process.env['SEXTANT_LOAD_SECONDS'] ?? DEFAULT_SERVER_LOAD.durationMs / 1000);
const options = { ...DEFAULT_SERVER_LOAD, durationMs: Math.max(1, seconds) * 1000 };
const report = await runServerLoad(options, (line) => console.error(line));
console.log(formatServerLoad(report));
const results = fileURLToPath(new URL('../results/', import.meta.url));
await mkdir(results, { recursive: true });
await writeFile(`${results}server-load.json`, `${JSON.stringify(report, null, 2)}\n`);
