import type { Schemas } from '@sextant/core';
import type { DocPayload } from '../data/dataset-format.js';
import { h } from './dom.js';

export interface ResultActions {
  edit(id: Schemas['ExtendedPointId'], payload: DocPayload): void;
  remove(id: Schemas['ExtendedPointId']): void;
}

/** One result card: score (or "—" when listing without a query), title, text and every payload field. */
export function resultCard(point: Schemas['ScoredPoint'] | Schemas['Record'], actions: ResultActions): HTMLElement {
  const payload = (point.payload ?? {}) as unknown as DocPayload;
  const score = 'score' in point ? point.score.toFixed(4) : '—';
  return h(
    'li',
    { class: 'result' },
    h('div', { class: 'score', title: 'Cosine similarity (higher is closer)' }, score),
    h(
      'div',
      { class: 'body' },
      h('h3', {}, payload.title ?? '(untitled)'),
      h('p', {}, payload.text ?? ''),
      h(
        'div',
        { class: 'meta' },
        h('span', { class: `tag cat-${payload.category}` }, payload.category ?? '?'),
        h('span', {}, String(payload.year ?? '')),
        h('span', {}, payload.author ?? ''),
        payload.source === 'user' ? h('span', { class: 'tag mine' }, 'added here') : null,
        h('span', { class: 'id' }, `id ${String(point.id)}`),
        h('button', { type: 'button', class: 'link', onclick: () => actions.edit(point.id, payload) }, 'edit'),
        h('button', { type: 'button', class: 'link danger', onclick: () => actions.remove(point.id) }, 'delete'),
      ),
    ),
  );
}
