import type { DocPayload } from './dataset-format.js';

/** The text a document is embedded from, the same at build time and for documents added on the page. */
export function documentText(doc: Pick<DocPayload, 'title' | 'text'>): string {
  return `${doc.title}. ${doc.text}`;
}
