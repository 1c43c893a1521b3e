import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ignoredAt, isSection, settingAt } from './settings.js';

/** One setting as written in the file, not yet checked. */
export interface RawEntry {
  path: string;
  raw: unknown;
}

export interface ConfigFileContents {
  entries: RawEntry[];
  /** Qdrant settings present in the file that Sextant does not use (the covering path from IGNORED_SETTINGS). */
  ignored: string[];
  problems: string[];
}

/**
 * Reads a config.yaml in Qdrant's layout. Problems (bad YAML, unknown keys) name the key and the file as the user
 * wrote it (`label`), not as resolved.
 */
export function readConfigFile(file: string, label: string): ConfigFileContents {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { entries: [], ignored: [], problems: [`config file ${label}: cannot be read (${(error as Error).message})`] };
  }
  return parseConfigText(text, label);
}

export function parseConfigText(text: string, file: string): ConfigFileContents {
  const out: ConfigFileContents = { entries: [], ignored: [], problems: [] };
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    out.problems.push(`config file ${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    return out;
  }
  if (document === null || document === undefined) return out; // an empty file is Qdrant's defaults
  if (!isMapping(document)) {
    out.problems.push(`config file ${file}: must be a mapping of sections (service, storage, tls, ...)`);
    return out;
  }
  walk(document, '', file, out);
  return out;
}

function walk(mapping: Record<string, unknown>, prefix: string, file: string, out: ConfigFileContents): void {
  for (const [key, raw] of Object.entries(mapping)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const ignored = ignoredAt(path);
    if (ignored !== undefined) {
      if (!out.ignored.includes(ignored)) out.ignored.push(ignored);
    } else if (settingAt(path) !== undefined) {
      out.entries.push({ path, raw });
    } else if (isSection(path)) {
      // `tls:` with nothing under it parses as null: an empty section, not an error.
      if (isMapping(raw)) walk(raw, path, file, out);
      else if (raw !== null) out.problems.push(`${path} (in ${file}): must be a section with settings under it`);
    } else {
      out.problems.push(`${path} (in ${file}): unknown setting`);
    }
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
