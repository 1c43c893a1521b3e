import type { Schemas } from '../../client/sextant-client.js';

/**
 * Language stop-word lists of the full-text index (`stopwords: "english"` or `{languages: [...], custom: [...]}`).
 * English is the NLTK list, the one Qdrant uses; the other languages Qdrant ships are not bundled here, and index
 * requests naming them are refused (see `unsupportedStopwordLanguages`) rather than silently matching differently.
 */
const ENGLISH = `i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself yourselves he him his
himself she she's her hers herself it it's its itself they them their theirs themselves what which who whom this that that'll
these those am is are was were be been being have has had having do does did doing a an the and but if or because as until
while of at by for with about against between into through during before after above below to from up down in out on off
over under again further then once here there when where why how all any both each few more most other some such no nor not
only own same so than too very s t can will just don don't should should've now d ll m o re ve y ain aren aren't couldn
couldn't didn didn't doesn doesn't hadn hadn't hasn hasn't haven haven't isn isn't ma mightn mightn't mustn mustn't needn
needn't shan shan't shouldn shouldn't wasn wasn't weren weren't won won't wouldn wouldn't`.split(/\s+/);

const LISTS: Record<string, readonly string[]> = { english: ENGLISH };

/** Every stop word a `stopwords` setting names: its languages' lists plus its custom words. */
export function stopwordList(setting: Schemas['TextIndexParams']['stopwords'] | undefined): string[] {
  if (setting === undefined || setting === null) return [];
  if (typeof setting === 'string') return [...(LISTS[setting.toLowerCase()] ?? [])];
  const s = setting as { languages?: unknown; custom?: unknown };
  const out: string[] = [];
  if (Array.isArray(s.languages)) for (const l of s.languages) if (typeof l === 'string') out.push(...(LISTS[l.toLowerCase()] ?? []));
  if (Array.isArray(s.custom)) for (const w of s.custom) if (typeof w === 'string') out.push(w);
  return out;
}

/** Languages a `stopwords` setting names that have no list here. */
export function unsupportedStopwordLanguages(setting: unknown): string[] {
  if (setting === undefined || setting === null) return [];
  const names = typeof setting === 'string' ? [setting] : Array.isArray((setting as { languages?: unknown }).languages) ? ((setting as { languages: unknown[] }).languages) : [];
  return names.filter((l): l is string => typeof l !== 'string' || !(l.toLowerCase() in LISTS)).map(String);
}
