import type { DescFile, DescMessage, DescEnum } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import * as ours from '@sextant/proto';
// The official client ships descriptors compiled from Qdrant's own .proto files: they are the reference for the
// wire format. These deep imports are the client's generated modules, not its public API.
const clientProto = '../../node_modules/@qdrant/js-client-grpc/dist/esm/proto/qdrant_pb.js';
const { file_qdrant: theirQdrant } = (await import(clientProto)) as { file_qdrant: DescFile };

/** Every message, enum and service reachable from a file, keyed by full name. */
function collect(file: DescFile, into = new Map<string, string>(), seen = new Set<string>()): Map<string, string> {
  if (seen.has(file.name)) return into;
  seen.add(file.name);
  for (const dep of file.dependencies) if (!dep.name.startsWith('google/')) collect(dep, into, seen);
  const msg = (m: DescMessage) => {
    // A field's wire identity is its number, wire type and, for messages/enums, the referenced type name.
    const fields = m.fields
      .map((f) => {
        const ref = f.message?.typeName ?? f.enum?.typeName ?? '';
        return `${f.number}:${f.name}:${f.fieldKind}:${f.proto.type}:${f.proto.label}:${ref}:${f.oneof?.name ?? ''}`;
      })
      .sort();
    into.set(m.typeName, fields.join('|'));
    m.nestedMessages.forEach(msg);
    m.nestedEnums.forEach(en);
  };
  const en = (e: DescEnum) => into.set(e.typeName, e.values.map((v) => `${v.number}:${v.name}`).join('|'));
  file.messages.forEach(msg);
  file.enums.forEach(en);
  for (const s of file.services) {
    into.set(s.typeName, s.methods.map((m) => `${m.name}:${m.input.typeName}:${m.output.typeName}:${m.methodKind}`).join('|'));
  }
  return into;
}

describe('our .proto files against the official 1.19 client descriptors', () => {
  const theirs = collect(theirQdrant);
  const mine = collect(ours.file_qdrant);

  it('define every message, enum and service the official client knows', () => {
    const missing = [...theirs.keys()].filter((k) => !mine.has(k));
    expect(missing).toEqual([]);
    expect(theirs.size).toBeGreaterThan(250);
  });

  it('give every field the same number, name, type and oneof', () => {
    const differing = [...theirs].filter(([k, v]) => mine.get(k) !== v).map(([k]) => k);
    expect(differing).toEqual([]);
  });

  it('serves the standard health protocol', () => {
    expect(ours.health.Health.method.check.name).toBe('Check');
    expect(ours.health.HealthCheckResponse_ServingStatus.SERVING).toBe(1);
  });
});
