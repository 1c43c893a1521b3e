import type { DemoDatabase } from '../sdk.js';
import type { SentenceEmbedder } from '../embed/sentence-embedder.js';
import { byId, h } from './dom.js';
import { buildFilter, parseYear, type FilterState } from './filters.js';
import { resultCard, type ResultActions } from './results.js';
import { LastTimings, timingLabel } from './call-timing.js';

const LIMIT = 10;

/**
 * Search as you type. Every keystroke embeds the query on the page (a few word lookups) and asks the worker for the
 * nearest documents under the current filter. Only the newest request may render: an answer that arrives after a
 * later keystroke's is dropped, and at most one query is in flight (the latest input waits for it), so typing fast
 * never queues a backlog in the worker.
 */
export class SearchView {
  private inFlight = false;
  private again = false;
  private readonly input = byId<HTMLInputElement>('q');
  private readonly category = byId<HTMLSelectElement>('category');
  private readonly yearFrom = byId<HTMLInputElement>('year-from');
  private readonly yearTo = byId<HTMLInputElement>('year-to');
  private readonly onlyMine = byId<HTMLInputElement>('only-mine');
  private readonly list = byId<HTMLOListElement>('results');
  private readonly stats = byId('search-stats');
  private readonly understood = byId('understood');
  private readonly timings = new LastTimings();

  constructor(
    private readonly db: DemoDatabase,
    private readonly collection: string,
    private readonly embedder: SentenceEmbedder,
    categories: readonly string[],
    years: { min: number; max: number },
    private readonly actions: ResultActions,
  ) {
    for (const c of categories) this.category.append(h('option', { value: c }, c));
    this.yearFrom.placeholder = String(years.min);
    this.yearTo.placeholder = String(years.max);
    for (const el of [this.input, this.yearFrom, this.yearTo]) el.addEventListener('input', () => this.refresh());
    for (const el of [this.category, this.onlyMine]) el.addEventListener('change', () => this.refresh());
    // For the page's whole life: the view lives as long as the database.
    db.onTiming?.((timing) => this.timings.record(timing));
  }

  filterState(): FilterState {
    return {
      category: this.category.value,
      yearFrom: parseYear(this.yearFrom.value),
      yearTo: parseYear(this.yearTo.value),
      onlyMine: this.onlyMine.checked,
    };
  }

  /** Re-runs the current search; safe to call at any rate. */
  refresh(): void {
    // `data-want` / `data-rendered` on the list: what the controls ask for and what the shown rows answer. Equal
    // means the screen is up to date; the end-to-end suite waits on that instead of on time.
    this.list.dataset['want'] = this.key();
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    this.run()
      .catch((error: unknown) => this.showError(error))
      .finally(() => {
        this.inFlight = false;
        if (this.again) {
          this.again = false;
          this.refresh();
        }
      });
  }

  private key(): string {
    return JSON.stringify([this.input.value, this.filterState()]);
  }

  private async run(): Promise<void> {
    const key = this.key();
    try {
      await this.search();
    } finally {
      this.list.dataset['rendered'] = key;
    }
  }

  private async search(): Promise<void> {
    const text = this.input.value;
    const filter = buildFilter(this.filterState());
    const embedded = text.trim() ? this.embedder.embed(text, { partial: true }) : null;
    this.showUnderstood(embedded);
    const started = performance.now();
    if (embedded?.vector) {
      const { points } = await this.db.query(this.collection, {
        query: Array.from(embedded.vector),
        filter,
        limit: LIMIT,
        with_payload: true,
      });
      const time = timingLabel('search', this.timings.take('query'), performance.now() - started);
      this.render(points, time, filter !== undefined, 'nearest');
    } else if (!text.trim()) {
      // No query yet: list what the filter selects, so filters can be tried on their own.
      const { points } = await this.db.scroll(this.collection, { filter, limit: LIMIT, with_payload: true });
      const time = timingLabel('list', this.timings.take('scroll'), performance.now() - started);
      this.render(points, time, filter !== undefined, 'listed');
    } else {
      this.list.replaceChildren();
      this.stats.textContent = 'No word of the query is in the embedder\u2019s vocabulary.';
    }
  }

  private render(points: Parameters<typeof resultCard>[0][], time: string, filtered: boolean, how: string): void {
    this.stats.classList.remove('error');
    this.list.replaceChildren(...points.map((p) => resultCard(p, this.actions)));
    const what = how === 'nearest' ? `${points.length} nearest` : `${points.length} listed (type to rank by meaning)`;
    this.stats.textContent = `${what}${filtered ? ', filtered' : ''} \u00b7 ${time}`;
  }

  private showUnderstood(embedded: ReturnType<SentenceEmbedder['embed']> | null): void {
    if (!embedded) {
      this.understood.textContent = '';
      return;
    }
    const parts = [`embedded from: ${embedded.used.join(' ') || '(nothing)'}`];
    if (embedded.unknown.length > 0) parts.push(`not in vocabulary: ${embedded.unknown.join(' ')}`);
    this.understood.textContent = parts.join(' \u00b7 ');
  }

  private showError(error: unknown): void {
    this.list.replaceChildren();
    this.stats.textContent = `Search failed: ${error instanceof Error ? error.message : String(error)}`;
    this.stats.classList.add('error');
  }
}
