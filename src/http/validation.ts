/** Turns zod failures into VALIDATION_FAILED with one detail per offending field. */
import type { z } from "zod";
import { AppError, type ErrorDetail } from "../runtime/errors";

/** zod's default words for a field that is absent; a caller reads "is required" better. */
const ABSENT = /^Invalid input: expected .+, received undefined$/;

export function validationDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: issue.path.length === 0 ? "(body)" : issue.path.map(String).join("."),
    message: issue.code === "invalid_type" && ABSENT.test(issue.message) ? "is required" : issue.message,
  }));
}

export function validationError(error: z.ZodError, what = "Request"): AppError {
  const details = validationDetails(error);
  const fields = [...new Set(details.map((detail) => detail.path))].join(", ");
  return new AppError("VALIDATION_FAILED", `${what} is invalid: ${fields}`, details);
}

/** The defaultHook for OpenAPIHono: any failed zod validation of a route's input throws. */
export const throwOnInvalid = (result: { success: true } | { success: false; error: z.ZodError }): void => {
  if (!result.success) throw validationError(result.error);
};
