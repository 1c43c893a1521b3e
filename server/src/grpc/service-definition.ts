import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';

/**
 * grpc-js wants a serialize/deserialize pair per method; protobuf-es describes services as `GenService`s. This is
 * the one place that bridges them, so every service is framed the same way. Paths are `/<package.Service>/<Rpc>`,
 * exactly what Qdrant's generated clients call.
 *
 * Decoding failures surface as a thrown Error from grpc-js's deserialize, which it answers with INTERNAL; we decode
 * leniently here and let each handler validate, so a malformed message becomes INVALID_ARGUMENT instead.
 */
export function serviceDefinition(service: GenService<GenServiceMethods>): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
      responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
      requestSerialize: (value) => asBuffer(toBinary(method.input, value as MessageShape<DescMessage>)),
      requestDeserialize: (bytes: Buffer) => decodeOrMark(method.input, bytes),
      // A Buffer is a reply the handler wrapper encoded already (convert/point-reply-encoding.ts).
      responseSerialize: (value) => (Buffer.isBuffer(value) ? value : asBuffer(toBinary(method.output, value as MessageShape<DescMessage>))),
      responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
      originalName: method.name,
    };
  }
  return definition;
}

/** The encoded bytes as a Buffer over the same memory (`Buffer.from(Uint8Array)` would copy every message). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A request that failed to decode; the handler wrapper answers it with INVALID_ARGUMENT. */
export class UndecodableRequest {
  constructor(readonly reason: string) {}
}

function decodeOrMark(schema: DescMessage, bytes: Buffer): unknown {
  try {
    return fromBinary(schema, bytes);
  } catch (error) {
    return new UndecodableRequest(error instanceof Error ? error.message : String(error));
  }
}
