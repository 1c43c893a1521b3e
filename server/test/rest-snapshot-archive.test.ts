import { describe, expect, it } from 'vitest';
import { decodeArchive, encodeArchive, type Archive } from '../src/rest/snapshots/archive.js';
import { multipartFile } from '../src/rest/snapshots/multipart.js';

const archive: Archive = {
  kind: 'full',
  created: '2025-01-01T00:00:00.000Z',
  collections: [
    {
      name: 'docs',
      config: { vectors: { size: 3, distance: 'Cosine' } },
      payloadSchema: { city: 'keyword' },
      points: [
        { id: 1, vector: [0.1, 0.2, 0.3], payload: { city: 'Berlin' } },
        { id: '5c56c793-69f3-4fbf-87e6-c4bf54c28c26', vector: { text: { indices: [1, 7], values: [0.5, 0.25] } }, payload: {} },
      ],
    },
    { name: 'empty', config: { vectors: {} }, payloadSchema: {}, points: [] },
  ],
  aliases: [{ alias_name: 'current', collection_name: 'docs' }],
};

describe('snapshot archive format', () => {
  it('round-trips collections, points and aliases', () => {
    expect(decodeArchive(encodeArchive(archive))).toEqual(archive);
  });

  it('detects a truncated or foreign file', () => {
    const bytes = encodeArchive(archive);
    expect(() => decodeArchive(bytes.subarray(0, bytes.length - 20))).toThrow(/Invalid snapshot/);
    expect(() => decodeArchive(new TextEncoder().encode('not a snapshot'))).toThrow(/gzip/);
  });

  it('extracts the snapshot file from a multipart upload', () => {
    const file = encodeArchive(archive);
    const boundary = '----sextant123';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="snapshot"; filename="a.snapshot"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const extracted = multipartFile(body, `multipart/form-data; boundary=${boundary}`);
    expect(Buffer.from(extracted).equals(Buffer.from(file))).toBe(true);
    expect(() => multipartFile(body, 'application/json')).toThrow(/multipart/);
  });
});
