/** The one error a tenant's template raises, compiling or rendering; the routes answer it as 400 TEMPLATE_FAILED. */
export class TemplateError extends Error {
  override name = "TemplateError";
}
