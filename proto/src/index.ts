// Generated message schemas and service descriptors for Qdrant's gRPC API (package `qdrant`), plus the standard
// health protocol under `health` (its message names clash with qdrant.HealthCheckRequest).
export * from './gen/json_with_int_pb.js';
export * from './gen/qdrant_common_pb.js';
export * from './gen/collections_pb.js';
export * from './gen/points_pb.js';
export * from './gen/collections_service_pb.js';
export * from './gen/points_service_pb.js';
export * from './gen/snapshots_service_pb.js';
export * from './gen/qdrant_pb.js';
export * from './gen/storage_read_service_pb.js';
export * as health from './gen/health_check_pb.js';
