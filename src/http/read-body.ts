/**
 * Reads an HTTP body stream as text without ever holding more than `limit` bytes: inbound request bodies
 * (too large is an error), receivers' answers (too large is an error) and response excerpts (cut at the limit).
 */
import { AppError } from "../runtime/errors";

export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
}

export const tooLarge = (limit: number) => new AppError("PAYLOAD_TOO_LARGE", `Request body exceeds the limit of ${limit} bytes`);

/**
 * An inbound request's body, at most `limit` bytes: a declared length over it, or a stream that runs past it,
 * is 413 PAYLOAD_TOO_LARGE before anything parses the body.
 */
export async function readRequestBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  try {
    return await readBodyBytes(request.body, limit, "throw");
  } catch (error) {
    throw error instanceof BodyTooLargeError ? tooLarge(limit) : error;
  }
}

export async function readBodyText(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  overflow: "throw" | "truncate",
  decoder: TextDecoder = new TextDecoder(),
): Promise<string> {
  return decoder.decode(await readBodyBytes(body, limit, overflow));
}

/** readBodyText() without the decoding: the bytes, at most `limit` of them. */
export async function readBodyBytes(body: ReadableStream<Uint8Array> | null, limit: number, overflow: "throw" | "truncate"): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = limit - size;
    if (value.byteLength > room) {
      await reader.cancel().catch(() => undefined);
      if (overflow === "throw") throw new BodyTooLargeError(`body is larger than ${limit} bytes`);
      chunks.push(value.subarray(0, room));
      size = limit;
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
