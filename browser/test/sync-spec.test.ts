import { describe, expect, it } from 'vitest';
import { SextantError } from '@sextant/core';
import { checkSyncCommand, toSyncSpec } from '../src/sync/sync-spec.js';

// The sync commands are worker messages (a trust boundary, STYLE §5): every field is checked before the owner acts.
describe('sync options and commands at the worker boundary', () => {
  const spec = toSyncSpec('docs', { url: 'http://localhost:6333', apiKey: 'k', filter: { must: [] } });

  it('turns page options into a spec, a resolver function into the ask policy', () => {
    expect(spec).toEqual({ collection: 'docs', url: 'http://localhost:6333', apiKey: 'k', filter: { must: [] }, live: true, localName: 'docs', resolve: 'server' });
    expect(toSyncSpec('docs', { url: 'https://h', localName: 'mine', live: false, resolve: () => 'local' })).toMatchObject({ localName: 'mine', live: false, resolve: 'ask' });
    expect(toSyncSpec('docs', { url: 'https://h', resolve: 'local' }).resolve).toBe('local');
  });

  it.each([
    ['no options', () => toSyncSpec('docs', undefined)],
    ['no url', () => toSyncSpec('docs', {} as never)],
    ['a url without http(s)', () => toSyncSpec('docs', { url: 'localhost:6333' })],
    ['an empty collection', () => toSyncSpec('', { url: 'http://h' })],
    ['an unknown policy', () => toSyncSpec('docs', { url: 'http://h', resolve: 'client' as never })],
    ['a filter that is a list', () => toSyncSpec('docs', { url: 'http://h', filter: [] as never })],
    ['an unknown command', () => checkSyncCommand({ op: 'drop' })],
    ['a start without online', () => checkSyncCommand({ op: 'start', handle: 'h', spec })],
    ['a start with a forged policy', () => checkSyncCommand({ op: 'start', handle: 'h', spec: { ...spec, resolve: 'eval' }, online: true })],
    ['a stop without handle', () => checkSyncCommand({ op: 'stop' })],
    ['a status of nothing', () => checkSyncCommand({ op: 'status', key: '' })],
    ['a resolution that is a number', () => checkSyncCommand({ op: 'resolution', ask: 'a:1', resolution: 3 })],
    ['a merge without vectors', () => checkSyncCommand({ op: 'resolution', ask: 'a:1', resolution: { payload: {} } })],
    ['not an object', () => checkSyncCommand(null)],
  ])('refuses %s with bad_request', (_, act) => {
    let error: unknown;
    try {
      act();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SextantError);
    expect(error).toMatchObject({ code: 'bad_request', status: 400 });
  });

  it('passes valid commands through unchanged', () => {
    const commands = [
      { op: 'start', handle: 'h', spec, online: false },
      { op: 'stop', handle: 'h' },
      { op: 'now', key: 'docs' },
      { op: 'network', online: true },
      { op: 'resolution', ask: 'o:1', resolution: { vectors: { '': [1, 2] }, payload: null } },
      { op: 'resolution', ask: 'o:2', resolution: 'local' },
    ];
    for (const command of commands) expect(checkSyncCommand(command)).toBe(command);
  });
});
