import { describe, expect, it } from 'vitest';
import { createEmbeddedClient, type EmbeddedClient } from '@sextant/core';

const DOCS = ['quick brown fox', 'The Lazy Dog', 'Café au lait', 'database systems', 'a fox and the hound'];

async function withIndex(schema: object | undefined): Promise<EmbeddedClient> {
  const client = await createEmbeddedClient();
  await client.createCollection('t', { vectors: { size: 1, distance: 'Dot' } });
  await client.upsert('t', { points: DOCS.map((text, id) => ({ id, vector: [1], payload: { text, tenant: id % 2 ? 'acme' : 'zeta' } })) });
  if (schema) await client.createPayloadIndex('t', { field_name: 'text', field_schema: schema as never });
  return client;
}

async function ids(client: EmbeddedClient, match: object): Promise<number[]> {
  const res = await client.scroll('t', { filter: { must: [{ key: 'text', match: match as never }] }, limit: 100 });
  return res.points.map((p) => Number(p.id));
}

describe('full-text index parameters', () => {
  it('english stop words are dropped from documents and queries, alone or with custom words', async () => {
    const plain = await withIndex({ type: 'text', tokenizer: 'word' });
    expect(await ids(plain, { text: 'the fox' })).toEqual([4]);
    const english = await withIndex({ type: 'text', tokenizer: 'word', stopwords: 'english' });
    // "the" is not a token any more: "the fox" asks for "fox" only.
    expect(await ids(english, { text: 'the fox' })).toEqual([0, 4]);
    expect(await ids(english, { text: 'fox and' })).toEqual([0, 4]);
    const both = await withIndex({ type: 'text', tokenizer: 'word', stopwords: { languages: ['english'], custom: ['quick'] } });
    expect(await ids(both, { text: 'quick fox' })).toEqual([0, 4]);
    expect(await ids(both, { phrase: 'the brown fox' })).toEqual([0]);
  });

  it('refuses stop-word languages it has no list for, before anything is logged', async () => {
    const client = await withIndex(undefined);
    await expect(client.createPayloadIndex('t', { field_name: 'text', field_schema: { type: 'text', stopwords: { languages: ['klingon'] } } as never })).rejects.toMatchObject({ status: 400 });
    expect((await client.getCollection('t')).payload_schema).toEqual({});
  });

  it('lowercase, ascii_folding, token lengths and the prefix tokenizer', async () => {
    const cased = await withIndex({ type: 'text', tokenizer: 'word', lowercase: false });
    expect(await ids(cased, { text: 'lazy' })).toEqual([]);
    expect(await ids(cased, { text: 'Lazy' })).toEqual([1]);
    const lower = await withIndex({ type: 'text', tokenizer: 'word' });
    expect(await ids(lower, { text: 'LAZY' })).toEqual([1]);
    expect(await ids(lower, { text: 'cafe' })).toEqual([]);
    const folded = await withIndex({ type: 'text', tokenizer: 'word', ascii_folding: true });
    expect(await ids(folded, { text: 'cafe' })).toEqual([2]);
    expect(await ids(folded, { text: 'CAFÉ' })).toEqual([2]);
    // Tokens shorter than min_token_len are not indexed: "a" and "au" are gone, so a query for them plus a real word finds it by the real word.
    const short = await withIndex({ type: 'text', tokenizer: 'word', min_token_len: 3 });
    expect(await ids(short, { text: 'au lait' })).toEqual([2]);
    const prefix = await withIndex({ type: 'text', tokenizer: 'prefix', min_token_len: 2, max_token_len: 4 });
    expect(await ids(prefix, { text: 'dat' })).toEqual([3]);
    expect(await ids(prefix, { text: 'databases' })).toEqual([3]); // cut to "data"
    expect(await ids(prefix, { text: 'ho' })).toEqual([4]);
    expect(await ids(prefix, { text_any: 'laz sys' })).toEqual([1, 3]);
  });

  it('phrase matching keeps word order and adjacency', async () => {
    const client = await withIndex({ type: 'text', tokenizer: 'word', phrase_matching: true });
    expect(await ids(client, { phrase: 'brown fox' })).toEqual([0]);
    expect(await ids(client, { phrase: 'fox brown' })).toEqual([]);
    expect(await ids(client, { phrase: 'quick fox' })).toEqual([]);
    expect(await ids(client, { text: 'quick fox' })).toEqual([0]);
  });

  it('keyword is_tenant is kept in the schema and filters like any keyword index', async () => {
    const client = await withIndex(undefined);
    const before = (await client.scroll('t', { filter: { must: [{ key: 'tenant', match: { value: 'acme' } }] }, limit: 10 })).points.map((p) => p.id);
    await client.createPayloadIndex('t', { field_name: 'tenant', field_schema: { type: 'keyword', is_tenant: true } });
    const schema = (await client.getCollection('t')).payload_schema;
    expect(schema['tenant']).toMatchObject({ data_type: 'keyword', params: { type: 'keyword', is_tenant: true }, points: 5 });
    const after = (await client.scroll('t', { filter: { must: [{ key: 'tenant', match: { value: 'acme' } }] }, limit: 10 })).points.map((p) => p.id);
    expect(after).toEqual(before);
    expect(after).toEqual([1, 3]);
  });
});
