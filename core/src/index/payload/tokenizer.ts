import type { Schemas } from '../../client/sextant-client.js';
import { stopwordList } from './stopwords.js';

/**
 * The full-text index's tokenizer, shared by indexing and by text conditions on an indexed field (Qdrant checks a
 * text condition against the tokens of the stored value whenever the field has a full-text index, so indexed and
 * scanned filtering agree).
 *
 * - `word` (and `multilingual`, which we approximate with `word`): split on every character that is not a letter or
 *   digit. `whitespace`: split on white space. `prefix`: words, indexed with every prefix from `min_token_len` up to
 *   `max_token_len`; a query word then matches any indexed word it begins.
 * - `lowercase` (default true), `ascii_folding` (default false), `min_token_len` / `max_token_len` (in characters;
 *   shorter / longer tokens are dropped) and `stopwords.custom` apply to documents and queries alike.
 * `stopwords` takes a language (English only, see stopwords.ts) and/or custom words. Not implemented: stemmers
 * (accepted, ignored).
 */
export interface TokenizerConfig {
  kind: 'word' | 'whitespace' | 'prefix';
  lowercase: boolean;
  asciiFolding: boolean;
  minLen: number;
  maxLen: number;
  stopwords: ReadonlySet<string>;
}

export function tokenizerConfig(params: Schemas['TextIndexParams'] | undefined): TokenizerConfig {
  const custom = stopwordList(params?.stopwords);
  const lowercase = params?.lowercase ?? true;
  return {
    kind: params?.tokenizer === 'whitespace' ? 'whitespace' : params?.tokenizer === 'prefix' ? 'prefix' : 'word',
    lowercase,
    asciiFolding: params?.ascii_folding ?? false,
    minLen: params?.min_token_len ?? 0,
    maxLen: params?.max_token_len ?? Infinity,
    stopwords: new Set(custom.map((w) => (lowercase ? w.toLowerCase() : w))),
  };
}

const WORD_SPLIT = /[^\p{Alphabetic}\p{N}]+/u;
const SPACE_SPLIT = /\s+/u;

function normalize(cfg: TokenizerConfig, token: string): string {
  let t = cfg.lowercase ? token.toLowerCase() : token;
  if (cfg.asciiFolding) t = t.normalize('NFD').replace(/\p{M}/gu, '');
  return t;
}

function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** The words of `text` in order, normalized, without stop words (positions for phrase matching). */
export function words(cfg: TokenizerConfig, text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(cfg.kind === 'whitespace' ? SPACE_SPLIT : WORD_SPLIT)) {
    if (raw === '') continue;
    const t = normalize(cfg, raw);
    if (cfg.stopwords.has(t)) continue;
    out.push(t);
  }
  return out;
}

/** The tokens a document contributes to the index (for `prefix`, every allowed prefix of every word). */
export function documentTokens(cfg: TokenizerConfig, text: string): string[] {
  const out: string[] = [];
  for (const w of words(cfg, text)) {
    const chars = [...w];
    if (cfg.kind === 'prefix') {
      const upTo = Math.min(chars.length, cfg.maxLen);
      for (let n = Math.max(1, cfg.minLen); n <= upTo; n++) out.push(chars.slice(0, n).join(''));
    } else if (chars.length >= cfg.minLen && chars.length <= cfg.maxLen) out.push(w);
  }
  return out;
}

/** The tokens of a query, in order (for `prefix`, whole words cut to `max_token_len`). */
export function queryTokens(cfg: TokenizerConfig, text: string): string[] {
  const out: string[] = [];
  for (const w of words(cfg, text)) {
    const len = charLength(w);
    if (cfg.kind === 'prefix') {
      if (len < cfg.minLen) continue;
      out.push(len > cfg.maxLen ? [...w].slice(0, cfg.maxLen).join('') : w);
    } else if (len >= cfg.minLen && len <= cfg.maxLen) out.push(w);
  }
  return out;
}

/** Document-side words as they take part in a phrase (same length rules as `documentTokens`, no prefixes). */
export function phraseWords(cfg: TokenizerConfig, text: string): string[] {
  return words(cfg, text).filter((w) => {
    const len = charLength(w);
    return len >= cfg.minLen && (cfg.kind === 'prefix' || len <= cfg.maxLen);
  });
}
