#!/usr/bin/env node
import { runCli } from './cli.js';

// The `sextant` binary and `npm start`: with no arguments it serves with the defaults (REST 6333, gRPC 6334,
// data in ./storage), configured by ./config/config.yaml and SEXTANT_* variables when present.
await runCli(process.argv.slice(2));
