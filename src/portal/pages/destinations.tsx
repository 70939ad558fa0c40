/**
 * Provisioning destinations page: each destination's three HR webhook URLs (add, modify, delete user) to
 * paste into the HR system, a form to create one, and delete. All through /api/v1/provisioning-destinations.
 */
import { Hono, type Context } from "hono";
import type { PortalEnv } from "../portal-env";
import type { ApiError } from "../api-client";
import { CsrfField, portalPath, redirectWith, renderPage } from "../layout";
import { ActionButton, CopyField, FormError, formatTime } from "../components";
import { provisioningTypes } from "../../db/schema";

const PATH = "/api/v1/provisioning-destinations";
const ACTIVE = "/destinations";

interface Destination {
  plugin_id: string;
  name: string;
  type: string;
  form: string;
  createdAt: string;
  webhooks: { adduser: string; modifyuser: string; deleteuser: string };
}

interface DestinationForm {
  name: string;
  type: string;
}

const URL_LABELS = [
  ["adduser", "Add user URL"],
  ["modifyuser", "Modify user URL"],
  ["deleteuser", "Delete user URL"],
] as const;

function DestinationCard(props: { c: Context<PortalEnv>; destination: Destination }) {
  const { c, destination } = props;
  const headingId = `dest-${destination.plugin_id}`;
  return (
    <section class="card" aria-labelledby={headingId}>
      <h3 id={headingId}>{destination.name}</h3>
      <dl class="facts">
        <dt>Plugin id</dt>
        <dd><code>{destination.plugin_id}</code></dd>
        <dt>Type</dt>
        <dd>{destination.type}</dd>
        <dt>Record form</dt>
        <dd>{destination.form}</dd>
        <dt>Created</dt>
        <dd>{formatTime(destination.createdAt)}</dd>
      </dl>
      {URL_LABELS.map(([action, label]) => (
        <CopyField id={`${action}-${destination.plugin_id}`} label={label} value={destination.webhooks[action]} />
      ))}
      <p class="actions">
        <ActionButton
          action={portalPath(c, `/destinations/${destination.plugin_id}/delete`)}
          csrf={c.get("session").csrf}
          label="Delete"
          danger
          confirm={`Delete the destination ${destination.name}? Its three URLs stop working.`}
        />
      </p>
    </section>
  );
}

function DestinationsBody(props: { c: Context<PortalEnv>; destinations: Destination[] | ApiError; form: DestinationForm; error?: ApiError | undefined }) {
  const { c, destinations, form } = props;
  return (
    <>
      <h2>Destinations</h2>
      {Array.isArray(destinations) ? (
        destinations.length === 0 ? (
          <p class="empty">No provisioning destinations yet.</p>
        ) : (
          destinations.map((destination) => <DestinationCard c={c} destination={destination} />)
        )
      ) : (
        <p role="alert" class="flash error">{destinations.message} ({destinations.code})</p>
      )}
      <h2>New destination</h2>
      <FormError error={props.error} />
      <form method="post" action={portalPath(c, "/destinations")} class="stack">
        <CsrfField token={c.get("session").csrf} />
        <div>
          <label for="dest-name">Name</label>
          <input id="dest-name" name="name" type="text" value={form.name} required maxlength={100} />
        </div>
        <div>
          <label for="dest-type">Type</label>
          <select id="dest-type" name="type">
            {provisioningTypes.map((type) => <option value={type} selected={type === form.type}>{type}</option>)}
          </select>
        </div>
        <p class="actions"><button type="submit" class="primary">Create destination</button></p>
      </form>
    </>
  );
}

async function render(c: Context<PortalEnv>, form: DestinationForm, error?: ApiError) {
  const list = await c.get("api").get<{ items: Destination[] }>(PATH);
  const destinations = list.ok ? list.body.items : list.error;
  const body = <DestinationsBody c={c} destinations={destinations} form={form} error={error} />;
  return renderPage(c, { title: "Provisioning destinations", active: ACTIVE, body, status: error ? 400 : 200 });
}

export const destinationsPage = new Hono<PortalEnv>()
  .get("/destinations", (c) => render(c, { name: "", type: provisioningTypes[0] }))
  .post("/destinations", async (c) => {
    const body = await c.req.parseBody();
    const form = { name: typeof body["name"] === "string" ? body["name"] : "", type: typeof body["type"] === "string" ? body["type"] : "" };
    const created = await c.get("api").send<Destination>("POST", PATH, form);
    if (!created.ok) return render(c, form, created.error);
    return redirectWith(c, "/destinations", { notice: `Destination ${created.body.name} created.` });
  })
  .post("/destinations/:pluginId/delete", async (c) => {
    const deleted = await c.get("api").send("DELETE", `${PATH}/${encodeURIComponent(c.req.param("pluginId"))}`);
    if (!deleted.ok) return redirectWith(c, "/destinations", { error: `${deleted.error.message} (${deleted.error.code})` });
    return redirectWith(c, "/destinations", { notice: "Destination deleted." });
  });
