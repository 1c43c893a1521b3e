import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { invalid } from '../status.js';

/**
 * google.protobuf.Timestamp -> the RFC 3339 string REST callers send. `seconds` is a client-chosen int64, far wider
 * than a JavaScript Date (±8.64e15 ms around 1970), and `nanos` must lie in [0, 1e9) by the Timestamp contract;
 * anything outside is the caller's mistake (INVALID_ARGUMENT, as Qdrant refuses a timestamp chrono cannot hold),
 * never a RangeError from `toISOString` surfacing as INTERNAL.
 */
export function timestampToIso(ts: Timestamp, field: string): string {
  if (ts.nanos < 0 || ts.nanos > 999_999_999) {
    throw invalid(`${field}: timestamp nanos ${ts.nanos} must be from 0 to 999999999`);
  }
  const date = timestampDate(ts);
  if (Number.isNaN(date.getTime())) {
    throw invalid(`${field}: timestamp of ${ts.seconds} seconds is outside the representable dates (years -271821 to 275760)`);
  }
  return date.toISOString();
}
