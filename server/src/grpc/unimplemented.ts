import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import { status as Status } from '@grpc/grpc-js';
import type { ServerWritableStream, UntypedServiceImplementation, sendUnaryData } from '@grpc/grpc-js';

/**
 * A service whose every rpc answers UNIMPLEMENTED with a reason, for APIs Sextant declares but cannot serve
 * (Qdrant's internal StorageRead reads Qdrant's own on-disk layout). Declaring them keeps reflection-free clients
 * from getting a bare "unknown method" and tells the caller why.
 */
export function unimplementedService(service: GenService<GenServiceMethods>, reason: string): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  const error = { code: Status.UNIMPLEMENTED, details: reason };
  for (const method of service.methods) {
    implementation[method.localName] =
      method.methodKind === 'server_streaming'
        ? (call: ServerWritableStream<unknown, unknown>) => call.emit('error', error)
        : (_call: unknown, callback: sendUnaryData<unknown>) => callback(error);
  }
  return implementation;
}
