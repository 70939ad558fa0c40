/**
 * Reads a JSON request body under the configured size limit before any route validation runs:
 * wrong media type -> 415, too large -> 413, not JSON -> 400 INVALID_JSON (with the parser's position).
 * The text is left in Hono's body cache so the route's zod validator reads it without a second stream read.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";
import { AppError } from "../runtime/errors";
import { readRequestBody } from "./read-body";

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

async function readLimited(request: Request, limit: number): Promise<string> {
  const bytes = await readRequestBody(request, limit);
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
}

export const jsonBody = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0]!.trim();
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      throw new AppError(
        "UNSUPPORTED_MEDIA_TYPE",
        `Content-Type must be application/json (got ${mediaType === "" ? "none" : `'${mediaType}'`})`,
      );
    }
    let text: string;
    try {
      text = await readLimited(c.req.raw, c.get("config").MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError("INVALID_JSON", "Request body is not valid UTF-8");
    }
    if (text.trim() === "") throw new AppError("INVALID_JSON", "Request body is empty; a JSON object is required");
    try {
      JSON.parse(text);
    } catch (error) {
      const reason = error instanceof SyntaxError ? error.message : "unparseable";
      throw new AppError("INVALID_JSON", `Request body is not valid JSON: ${reason}`);
    }
    // Hono caches body reads as promises at runtime although its BodyCache type says `string`.
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
    await next();
  });
