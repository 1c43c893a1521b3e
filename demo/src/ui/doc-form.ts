import type { SextantClient, Schemas } from '@sextant/core';
import type { DocPayload } from '../data/dataset-format.js';
import { documentText } from '../data/document-text.js';
import type { SentenceEmbedder } from '../embed/sentence-embedder.js';
import { byId, h } from './dom.js';

/**
 * Add or edit a document. The vector is computed on the page by the same embedder that made the shipped vectors,
 * then written with `upsert` (wait: true), so the next search already sees it.
 */
export class DocForm {
  private editing: { id: Schemas['ExtendedPointId']; source: DocPayload['source'] } | null = null;
  private readonly form = byId<HTMLFormElement>('doc-form');
  private readonly title = byId<HTMLInputElement>('doc-title');
  private readonly text = byId<HTMLTextAreaElement>('doc-text');
  private readonly category = byId<HTMLSelectElement>('doc-category');
  private readonly year = byId<HTMLInputElement>('doc-year');
  private readonly heading = byId('doc-form-heading');
  private readonly status = byId('doc-status');
  private readonly cancel = byId<HTMLButtonElement>('doc-cancel');

  constructor(
    private readonly db: SextantClient,
    private readonly collection: string,
    private readonly embedder: SentenceEmbedder,
    categories: readonly string[],
    private readonly onSaved: () => void,
  ) {
    for (const c of categories) this.category.append(h('option', { value: c }, c));
    this.year.value = String(new Date().getFullYear());
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.save().catch((error: unknown) => this.say(`Not saved: ${error instanceof Error ? error.message : error}`, true));
    });
    this.cancel.addEventListener('click', () => this.reset());
  }

  edit(id: Schemas['ExtendedPointId'], payload: DocPayload): void {
    this.editing = { id, source: payload.source ?? 'user' };
    this.title.value = payload.title ?? '';
    this.text.value = payload.text ?? '';
    this.category.value = payload.category ?? '';
    this.year.value = String(payload.year ?? '');
    this.heading.textContent = `Edit document ${String(id)}`;
    this.cancel.hidden = false;
    this.say('');
    this.title.focus();
  }

  private async save(): Promise<void> {
    const payload: DocPayload = {
      title: this.title.value.trim(),
      text: this.text.value.trim(),
      category: this.category.value,
      year: Number(this.year.value),
      author: 'you',
      source: this.editing?.source ?? 'user',
    };
    if (!payload.title) return this.say('A title is needed.', true);
    if (!Number.isInteger(payload.year)) return this.say('The year must be a whole number.', true);
    const { vector, unknown } = this.embedder.embed(documentText(payload));
    if (!vector) return this.say('None of these words is in the embedder\u2019s vocabulary, so there is nothing to embed.', true);
    const id = this.editing?.id ?? crypto.randomUUID();
    const started = performance.now();
    await this.db.upsert(this.collection, { wait: true, points: [{ id, vector: Array.from(vector), payload: { ...payload } }] });
    const ms = (performance.now() - started).toFixed(1);
    const note = unknown.length > 0 ? ` (ignored, not in vocabulary: ${[...new Set(unknown)].join(' ')})` : '';
    this.reset();
    this.say(`Saved ${String(id)} in ${ms} ms${note}.`);
    this.onSaved();
  }

  private reset(): void {
    this.editing = null;
    this.form.reset();
    this.year.value = String(new Date().getFullYear());
    this.heading.textContent = 'Add a document';
    this.cancel.hidden = true;
  }

  private say(message: string, isError = false): void {
    this.status.textContent = message;
    this.status.classList.toggle('error', isError);
  }
}
