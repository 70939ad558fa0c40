/**
 * multipart/form-data as bytes (RFC 7578), for AR callbacks with files (seed 003 "Sending attachment data in
 * webhook response"): each part's headers, then its bytes untouched, so a file arrives exactly as uploaded.
 * The boundary is the one asked for unless it occurs in some part's bytes; then a suffix is added until it
 * does not. Pure: the same parts and boundary always give the same bytes.
 */

export interface MultipartPart {
  name: string;
  /** Present on file parts: the part then also says Content-Transfer-Encoding: binary, as the seed's example does. */
  filename?: string;
  contentType: string;
  bytes: Uint8Array;
}

const encoder = new TextEncoder();

/** A header parameter value as browsers send it in form-data (WHATWG): `"`, CR and LF percent-encoded. */
const quoted = (value: string): string => `"${value.replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/"/g, "%22")}"`;

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  const first = needle[0];
  outer: for (let start = haystack.indexOf(first!); start !== -1 && start + needle.length <= haystack.length; start = haystack.indexOf(first!, start + 1)) {
    for (let offset = 1; offset < needle.length; offset++) if (haystack[start + offset] !== needle[offset]) continue outer;
    return true;
  }
  return false;
}

/** `wanted`, or `wanted-1`, `wanted-2`, … : the first that no part's bytes contain. */
export function chooseBoundary(parts: readonly MultipartPart[], wanted: string): string {
  for (let attempt = 0; ; attempt++) {
    const boundary = attempt === 0 ? wanted : `${wanted}-${attempt}`;
    const delimiter = encoder.encode(`--${boundary}`);
    if (!parts.some((part) => contains(part.bytes, delimiter))) return boundary;
  }
}

function partHead(part: MultipartPart, boundary: string): string {
  const disposition = `Content-Disposition: form-data; name=${quoted(part.name)}${part.filename === undefined ? "" : `; filename=${quoted(part.filename)}`}`;
  const lines = [`--${boundary}`, disposition, `Content-Type: ${part.contentType}`];
  if (part.filename !== undefined) lines.push("Content-Transfer-Encoding: binary");
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** The body and its Content-Type (with the boundary actually used). */
export function serializeMultipart(parts: readonly MultipartPart[], wantedBoundary: string): { body: Uint8Array; contentType: string } {
  const boundary = chooseBoundary(parts, wantedBoundary);
  const chunks: Uint8Array[] = [];
  for (const part of parts) chunks.push(encoder.encode(partHead(part, boundary)), part.bytes, encoder.encode("\r\n"));
  chunks.push(encoder.encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}
