/**
 * The body of a delivery to a configurable inbound hook as vendors really send it: JSON (`application/json`, any
 * `+json` such as `application/cloudevents-batch+json`) or GitHub's form encoding (`payload=<urlencoded JSON>`).
 * The middleware keeps the exact bytes received, which are what a signature covers (a UTF-8 BOM included);
 * only parsing strips the BOM and unwraps the form.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../http/app-env";
import { readRequestBody } from "../../http/read-body";
import { AppError } from "../../runtime/errors";

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
const FORM_MEDIA_TYPE = "application/x-www-form-urlencoded";
const BOM = [0xef, 0xbb, 0xbf];

export type DeliveryMediaType = "json" | "form" | "cloudevents_batch";

/** The body's kind from its Content-Type, or null when hooks do not accept it. */
export function deliveryMediaType(contentType: string | null | undefined): DeliveryMediaType | null {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType === FORM_MEDIA_TYPE) return "form";
  if (mediaType === "application/cloudevents-batch+json") return "cloudevents_batch";
  return JSON_MEDIA_TYPE.test(mediaType) ? "json" : null;
}

const withoutBom = (bytes: Uint8Array): Uint8Array => (BOM.every((byte, index) => bytes[index] === byte) ? bytes.subarray(BOM.length) : bytes);

/** The JSON value a delivery carries: 400 INVALID_JSON when it is not UTF-8, not JSON, or a form without `payload`. */
export function parseDeliveryBody(bytes: Uint8Array, mediaType: DeliveryMediaType): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(withoutBom(bytes));
  } catch {
    throw new AppError("INVALID_JSON", "Request body is not valid UTF-8");
  }
  if (mediaType === "form") {
    const payload = new URLSearchParams(text).get("payload");
    if (payload === null) throw new AppError("INVALID_JSON", "A form-encoded delivery must carry its JSON in the 'payload' field");
    text = payload;
  }
  if (text.trim() === "") throw new AppError("INVALID_JSON", "Request body is empty; a JSON value is required");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError("INVALID_JSON", `Request body is not valid JSON: ${error instanceof SyntaxError ? error.message : "unparseable"}`);
  }
}

/** Refuses other media types (415) and reads the body under the size limit (413), leaving its bytes to `c.req.arrayBuffer()`. */
export const deliveryBody = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const contentType = c.req.header("content-type");
    if (deliveryMediaType(contentType) === null) {
      const got = (contentType ?? "").split(";")[0]!.trim();
      throw new AppError(
        "UNSUPPORTED_MEDIA_TYPE",
        `Content-Type must be application/json, a +json type or ${FORM_MEDIA_TYPE} (got ${got === "" ? "none" : `'${got}'`})`,
      );
    }
    const bytes = await readRequestBody(c.req.raw, c.get("config").MAX_BODY_BYTES);
    // Hono caches body reads as promises at runtime although its BodyCache type says otherwise.
    (c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer> }).arrayBuffer = Promise.resolve(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    );
    await next();
  });
