/**
 * A subscription's transformation in the portal: the template field of the subscription form, and its dry run —
 * the template as typed rendered over the form's sample event by the dry-run API, shown next to the form and
 * never saved.
 */
import type { Context } from "hono";
import type { PortalEnv } from "../../portal-env";
import type { ApiError } from "../../api-client";
import { ErrorDetails } from "../../components";
import { entryEvents } from "../../../db/schema";

/** What a dry run answered: the JSON body that would be sent (null: the format sends nothing), or why not. */
export type DryRunOutcome = { ok: true; eventType: string; body: Record<string, unknown> | null } | { ok: false; error: ApiError };

export const DRY_RUN_RESULT_ID = "dry-run-result";
/** The form field choosing the sample event's type (the API's sample is a create). */
export const DRY_RUN_EVENT_FIELD = "dry_run_event";

/** The posted sample event type; a create when none, or no known one, was posted. */
export async function dryRunEventFromRequest(c: Context<PortalEnv>): Promise<string> {
  const value = (await c.req.parseBody())[DRY_RUN_EVENT_FIELD];
  return typeof value === "string" && (entryEvents as readonly string[]).includes(value) ? value : "create";
}

/** Renders `template` for subscription `id` over a sample `eventType` event, without sending or storing anything. */
export async function dryRunTransformation(c: Context<PortalEnv>, id: string, template: string, eventType: string): Promise<DryRunOutcome> {
  // The API would fall back to the stored template; the portal tries what the box shows, and an empty box is none.
  if (!template.trim()) return { ok: false, error: { code: "TEMPLATE_FAILED", message: "The Transformation field is empty: there is no template to try" } };
  const result = await c.get("api").send<{ body: Record<string, unknown> | null }>(
    "POST",
    `/api/v1/subscriptions/${encodeURIComponent(id)}/transformation/dry-run`,
    { template, event: { type: eventType } },
  );
  return result.ok ? { ok: true, eventType, body: result.body.body } : { ok: false, error: result.error };
}

/** `dryRunEvent`: the sample event type to offer for Dry run; left out when the subscription cannot be tried yet. */
export function TransformationField(props: { value: string; dryRunEvent?: string | undefined }) {
  return (
    <div>
      <label for="transformation">Transformation</label>
      {/* The leading newline is eaten by the HTML parser, so a template that starts with one keeps it. */}
      <textarea id="transformation" name="transformation" rows={8} spellcheck={false} aria-describedby="transformation-hint">{`\n${props.value}`}</textarea>
      <p class="hint" id="transformation-hint">
        {"Optional Jinja template whose output, one JSON object, is sent instead of the payload; it sees event, payload and subscription. Empty sends the payload as is. "}
        {props.dryRunEvent ? "Dry run renders it as typed over a sample event, without saving." : "Once the subscription is created, its page can dry-run the template."}
      </p>
      {props.dryRunEvent ? (
        <div>
          <label for={DRY_RUN_EVENT_FIELD}>Dry-run event</label>
          <select id={DRY_RUN_EVENT_FIELD} name={DRY_RUN_EVENT_FIELD}>
            {entryEvents.map((type) => <option value={type} selected={type === props.dryRunEvent}>{`A sample ${type}`}</option>)}
          </select>
        </div>
      ) : null}
    </div>
  );
}

export function DryRunResult(props: { outcome: DryRunOutcome }) {
  const { outcome } = props;
  return (
    <section id={DRY_RUN_RESULT_ID} aria-labelledby="dry-run-heading">
      <h2 id="dry-run-heading">Dry run</h2>
      {outcome.ok ? (
        <>
          <p class="hint">{`The body the transformation renders for a sample ${outcome.eventType} event; nothing was sent or saved.`}</p>
          {outcome.body === null ? <p class="empty">The payload format sends nothing for this event.</p> : <pre>{JSON.stringify(outcome.body, null, 2)}</pre>}
        </>
      ) : (
        <div role="alert" class="flash error">
          <p>{`The template failed: ${outcome.error.message}`}</p>
          <ErrorDetails details={outcome.error.details} />
          <p>Code <code>{outcome.error.code}</code> · nothing was saved.</p>
        </div>
      )}
    </section>
  );
}
