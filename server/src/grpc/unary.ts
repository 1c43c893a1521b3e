import { create } from '@bufbuild/protobuf';
import type { DescMessage, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import { status as Status } from '@grpc/grpc-js';
import type { Deadline, ServerUnaryCall, UntypedServiceImplementation, sendUnaryData } from '@grpc/grpc-js';
import { FULL_ACCESS, type Access } from '../security/access.js';
import { authenticateCall, authorizeCall } from './auth.js';
import type { ApiKeys, ValueExistsCheck } from './auth.js';
import type { InFlightLimit } from './back-pressure.js';
import { requirementOfCall } from './call-access.js';
import { pointReplyEncoder } from './convert/point-reply-encoding.js';
import { UndecodableRequest } from './service-definition.js';
import { GrpcStatusError, toServiceError } from './status.js';

/**
 * What a handler may use besides its request: the call's abort signal fires on cancel or deadline; `access` is what
 * the caller's key grants (full on an open server), for answers filtered to what it may read.
 */
export interface CallContext {
  signal: AbortSignal;
  access: Access;
}

type Method = { input: DescMessage; output: DescMessage };

/** One async function per rpc, returning the response's init shape; `time` is filled in by the wrapper. */
export type Handlers<M extends GenServiceMethods> = {
  [K in keyof M]: M[K] extends Method
    ? (request: MessageShape<M[K]['input']>, context: CallContext) => Promise<MessageInitShape<M[K]['output']>>
    : never;
};

/**
 * Turns typed async handlers into grpc-js's callback implementation, applying in one place what every rpc needs:
 * back-pressure (`limit`: RESOURCE_EXHAUSTED past the in-flight bound), authentication and RBAC as REST does them
 * (`readOnly` lists the rpcs that change nothing; `open` the ones needing no key), malformed-request rejection,
 * deadlines (answered DEADLINE_EXCEEDED even if the engine is still working) and error mapping. A handler that
 * throws never takes the server down.
 */
export function implement<M extends GenServiceMethods>(
  service: GenService<M>,
  handlers: Handlers<M>,
  options: {
    keys: ApiKeys;
    readOnly: ReadonlySet<string>;
    open?: ReadonlySet<string>;
    valueExists?: ValueExistsCheck;
    limit?: InFlightLimit;
  },
): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const handler = (handlers as Record<string, (r: unknown, c: CallContext) => Promise<unknown>>)[method.localName];
    const write = !options.readOnly.has(method.name);
    const open = options.open?.has(method.name) ?? false;
    const secured = Boolean(options.keys.apiKey || options.keys.readOnlyApiKey);
    const encode = pointReplyEncoder(method.output);
    implementation[method.localName] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const started = performance.now();
      const limit = open ? undefined : options.limit;
      if (limit !== undefined && !limit.tryAcquire()) {
        callback(toServiceError(new GrpcStatusError(Status.RESOURCE_EXHAUSTED, `Too many requests: the server is handling ${limit.max} calls already; retry later`)));
        return;
      }
      // Made on first use: an AbortController and its signal cost more than a small rpc's own work, and few
      // handlers look at the signal. Asked for once the call is settled (only a cancel or deadline can settle it
      // while the handler still runs), it comes already aborted.
      let controller: AbortController | undefined;
      const context: CallContext = {
        access: FULL_ACCESS,
        get signal() {
          if (controller === undefined) {
            controller = new AbortController();
            if (settled) controller.abort();
          }
          return controller.signal;
        },
      };
      let settled = false;
      const finish = (error: unknown, response?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error !== undefined) callback(toServiceError(error));
        else callback(null, response);
      };
      const remaining = msUntil(call.getDeadline());
      const timer = remaining === Infinity ? undefined : setTimeout(() => {
        controller?.abort();
        finish(new GrpcStatusError(Status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
      }, Math.max(0, remaining));
      // grpc-js 1.14 emits 'cancelled' when any call's stream closes, answered ones included (notifyOnCancel in
      // the stream's 'close' handler, server-interceptors.js). Aborting then would build a DOMException with a
      // stack trace per call for nothing: only a call still running has work to stop.
      call.on('cancelled', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        controller?.abort();
      });
      void (async () => {
        // No keys: every call has full access, without an await per call on the hot path.
        if (!open && secured) context.access = await authenticateCall(options.keys, call.metadata, options.valueExists);
        const request = call.request;
        if (request instanceof UndecodableRequest) {
          throw new GrpcStatusError(Status.INVALID_ARGUMENT, `Malformed ${method.input.typeName}: ${request.reason}`);
        }
        if (!open && secured) authorizeCall(context.access, requirementOfCall(service.typeName, method.name, write, request));
        if (handler === undefined) throw new GrpcStatusError(Status.UNIMPLEMENTED, `${method.name} is not implemented`);
        const init = await handler(request, context);
        // Point-list replies go out as bytes (service-definition.ts passes them through).
        const encoded = encode?.(init, (performance.now() - started) / 1000);
        if (encoded !== undefined) return encoded;
        const response = create(method.output, init as MessageInitShape<DescMessage>) as Record<string, unknown>;
        if ('time' in response && response.time === 0) response.time = (performance.now() - started) / 1000;
        return response;
      })()
        .then(
          (response) => finish(undefined, response),
          (error: unknown) => finish(error ?? new Error('unknown failure')),
        )
        .finally(() => limit?.release());
    };
  }
  return implementation;
}

function msUntil(deadline: Deadline): number {
  if (deadline instanceof Date) return deadline.getTime() - Date.now();
  return deadline === Infinity ? Infinity : deadline - Date.now();
}
