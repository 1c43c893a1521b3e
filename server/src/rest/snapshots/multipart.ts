import { errors } from '@sextant/core';

/**
 * The file of a `multipart/form-data` upload (field `snapshot`, as Qdrant's upload endpoints and the official
 * clients send it). The body arrives whole (bounded by the route's body limit), so a plain scan is enough.
 */
export function multipartFile(body: unknown, contentType: string | undefined, field = 'snapshot'): Uint8Array {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  if (!boundary || !Buffer.isBuffer(body)) throw errors.badRequest('Expected a multipart/form-data body with a `snapshot` file');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let files: Buffer[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const partStart = start + delimiter.length;
    if (body.subarray(partStart, partStart + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, partStart);
    if (next === -1) break;
    const part = body.subarray(partStart + 2, next - 2); // drop the CRLF after the delimiter and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      if (name === field) files = [part.subarray(headerEnd + 4)];
      else if (files.length === 0 && /filename=/i.test(headers)) files.push(part.subarray(headerEnd + 4));
    }
    start = next;
  }
  const file = files[0];
  if (!file) throw errors.badRequest('Expected a multipart/form-data body with a `snapshot` file');
  return new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
}
