import { expect, type Locator, type Page } from '@playwright/test';
import type { SextantServer } from './sextant-server.js';

/** One result card as the page shows it. */
export interface ShownResult {
  id: string;
  /** The score text parsed; NaN for listed (unranked) rows, which show a dash. */
  score: number;
  title: string;
  category: string;
  year: number;
  addedHere: boolean;
}

export interface Filters {
  category?: string;
  yearFrom?: number | '';
  yearTo?: number | '';
  onlyMine?: boolean;
}

export interface NewDocument {
  title: string;
  text: string;
  category: string;
  year?: number;
}

/** First loads store 3,000 documents in IndexedDB; on a busy 2-core machine that can take a while. */
const READY_TIMEOUT = 90_000;

/**
 * The demo as a person sees it: the controls by their ids in demo/src/index.html and what the page writes back.
 * Every wait is on a condition the page exposes (text, attributes), never on time.
 */
export class DemoPage {
  readonly banner: Locator;
  readonly query: Locator;
  readonly results: Locator;
  readonly rows: Locator;
  readonly stats: Locator;
  readonly localCount: Locator;
  readonly docStatus: Locator;
  readonly serverStatus: Locator;
  readonly serverCount: Locator;
  readonly offlineCopy: Locator;
  readonly syncState: Locator;
  readonly syncCheckpoint: Locator;
  readonly syncPending: Locator;
  readonly serverLastOp: Locator;
  private readonly errors: string[] = [];

  constructor(
    readonly page: Page,
    readonly server: SextantServer,
  ) {
    this.banner = page.locator('#banner');
    this.query = page.locator('#q');
    this.results = page.locator('#results');
    this.rows = page.locator('#results > li');
    this.stats = page.locator('#search-stats');
    this.localCount = page.locator('#local-count');
    this.docStatus = page.locator('#doc-status');
    this.serverStatus = page.locator('#server-status');
    this.serverCount = page.locator('#server-count');
    this.offlineCopy = page.locator('#offline-copy');
    this.syncState = page.locator('#sync-status');
    this.syncCheckpoint = page.locator('#sync-checkpoint');
    this.syncPending = page.locator('#sync-pending');
    this.serverLastOp = page.locator('#server-last-op');
    page.on('pageerror', (error) => this.errors.push(error.message));
  }

  async open(): Promise<void> {
    await this.page.goto(this.server.demoUrl);
    await this.ready();
  }

  async reload(): Promise<void> {
    await this.page.reload();
    await this.ready();
  }

  /** Waits until the page says it runs locally, and fails with the page's own words if it could not start. */
  async ready(): Promise<void> {
    await expect(this.banner).toHaveText(/run locally|could not start/, { timeout: READY_TIMEOUT });
    await expect(this.banner).not.toHaveClass(/error/);
  }

  /** Types a query and waits until the results on screen are the answer to it under the current filters. */
  async search(text: string): Promise<ShownResult[]> {
    await this.query.fill(text);
    return this.settled();
  }

  async setFilters(filters: Filters): Promise<ShownResult[]> {
    const page = this.page;
    if (filters.category !== undefined) await page.selectOption('#category', filters.category);
    if (filters.yearFrom !== undefined) await page.fill('#year-from', String(filters.yearFrom));
    if (filters.yearTo !== undefined) await page.fill('#year-to', String(filters.yearTo));
    if (filters.onlyMine !== undefined) await page.setChecked('#only-mine', filters.onlyMine);
    return this.settled();
  }

  /**
   * The shown results once the page rendered the answer for what the controls say now. The page marks the result
   * list with the query + filters it wants (`data-want`, set on every change) and the ones its rows answer
   * (`data-rendered`), so a stale answer is never read as the new one.
   */
  async settled(): Promise<ShownResult[]> {
    const want = await this.results.getAttribute('data-want');
    if (want === null) throw new Error('#results has no data-want: is this the current demo build?');
    await expect(this.results).toHaveAttribute('data-rendered', want);
    return this.read();
  }

  async read(): Promise<ShownResult[]> {
    return this.rows.evaluateAll((items) =>
      items.map((li) => {
        const meta = [...li.querySelectorAll('.meta > span')].map((s) => s.textContent ?? '');
        return {
          id: (li.querySelector('.meta .id')?.textContent ?? '').replace(/^id /, ''),
          score: Number(li.querySelector('.score')?.textContent),
          title: li.querySelector('h3')?.textContent ?? '',
          category: meta[0] ?? '',
          year: Number(meta[1]),
          addedHere: li.querySelector('.tag.mine') !== null,
        };
      }),
    );
  }

  /** Fills the form and saves; resolves to the id the page reports. */
  async saveDocument(doc: Partial<NewDocument>): Promise<string> {
    const page = this.page;
    if (doc.title !== undefined) await page.fill('#doc-title', doc.title);
    if (doc.text !== undefined) await page.fill('#doc-text', doc.text);
    if (doc.category !== undefined) await page.selectOption('#doc-category', doc.category);
    if (doc.year !== undefined) await page.fill('#doc-year', String(doc.year));
    await this.docStatus.evaluate((el) => (el.textContent = ''));
    await page.click('#doc-form button[type=submit]');
    await expect(this.docStatus).toHaveText(/^(Saved|Not saved|A title|The year|None of)/);
    const status = (await this.docStatus.textContent()) ?? '';
    const saved = /^Saved (\S+) in/.exec(status);
    if (!saved) throw new Error(`the page did not save the document: ${status}`);
    return saved[1]!;
  }

  /** Opens the edit form of the shown result whose title is `title`. */
  async edit(title: string): Promise<void> {
    const row = this.rows.filter({ has: this.page.locator('h3', { hasText: title }) });
    await row.locator('button', { hasText: 'edit' }).click();
    await expect(this.page.locator('#doc-form-heading')).toHaveText(/^Edit document/);
  }

  async remove(title: string): Promise<void> {
    const row = this.rows.filter({ has: this.page.locator('h3', { hasText: title }) });
    await row.locator('button', { hasText: 'delete' }).click();
  }

  /** The number in "Stored locally: N points". */
  async localPoints(): Promise<number> {
    const text = (await this.localCount.textContent()) ?? '';
    const match = /^(\d+) points$/.exec(text);
    if (!match) throw new Error(`#local-count says "${text}"`);
    return Number(match[1]);
  }

  assertNoPageErrors(): void {
    expect(this.errors, 'uncaught errors on the page').toEqual([]);
  }
}
