/** Small shared pieces of portal markup. Every input has a label; every action is a real button or link. */
import type { Child } from "hono/jsx";
import { CsrfField } from "./layout";
import type { ApiError } from "./api-client";

/** A read-only value with a copy button (portal.js copies the input's value). */
export function CopyField(props: { id: string; label: string; value: string }) {
  return (
    <div class="copy">
      <label for={props.id}>{props.label}</label>
      <div class="copy-row">
        <input id={props.id} type="text" readonly value={props.value} />
        <button type="button" data-copy={props.id}>Copy</button>
      </div>
    </div>
  );
}

/** A one-button form posting to `action` (replay, skip, revoke, …), optionally asking to confirm first. */
export function ActionButton(props: { action: string; csrf: string; label: string; confirm?: string; danger?: boolean; fields?: Record<string, string> }) {
  return (
    <form method="post" action={props.action} class="inline" data-confirm={props.confirm}>
      <CsrfField token={props.csrf} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => <input type="hidden" name={name} value={value} />)}
      <button type="submit" class={props.danger ? "danger" : undefined}>{props.label}</button>
    </form>
  );
}

export function StatusBadge(props: { status: string }) {
  return <span class={`badge badge-${props.status.replace(/[^a-z0-9_-]/gi, "").toLowerCase()}`}>{props.status}</span>;
}

/** A table that scrolls sideways on narrow screens instead of breaking the layout. */
export function DataTable(props: { caption: string; headers: string[]; children: Child; empty?: string; rows: number }) {
  if (props.rows === 0) return <p class="empty">{props.empty ?? "Nothing here yet."}</p>;
  return (
    <div class="table-wrap" tabindex={0} role="region" aria-label={props.caption}>
      <table>
        <caption class="sr-only">{props.caption}</caption>
        <thead>
          <tr>{props.headers.map((header) => <th scope="col">{header}</th>)}</tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/** Field-level problems from an API error (`details`), listed under the form. */
export function ErrorDetails(props: { details?: { path: string; message: string }[] | undefined }) {
  if (!props.details || props.details.length === 0) return null;
  return (
    <ul class="error-details">
      {props.details.map((detail) => <li><code>{detail.path}</code> {detail.message}</li>)}
    </ul>
  );
}

const ACTOR_LABELS: Record<string, string> = { api_key: "API key", service_account: "Service account", portal: "Portal" };

/** Who did something, as the API names them (an audit entry's actor, a key's createdBy); "—" when unknown. */
export function ActorName(props: { actor: { kind: string; id: string } | null }) {
  const { actor } = props;
  if (!actor) return <>—</>;
  if (actor.kind === "admin") return <>Operator</>;
  return <>{`${ACTOR_LABELS[actor.kind] ?? actor.kind} `}<code>{actor.id}</code></>;
}

export const formatTime = (iso: string | null | undefined): string => (iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "—");

/** An API error at the top of a form: its message and code, then the fields it names. */
export function FormError(props: { error?: ApiError | undefined }) {
  if (!props.error) return null;
  return (
    <div role="alert" class="flash error">
      <p>{`${props.error.message} (${props.error.code})`}</p>
      <ErrorDetails details={props.error.details} />
    </div>
  );
}
