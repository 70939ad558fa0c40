/** The drain's last step: telling D1 when the tenant's object will wake next (the sweeper's backstop). */
import type { EnginePorts } from "./engine-ports";

/**
 * Tells D1 when this object will wake next, so the sweeper can find a tenant whose alarm was lost. A failure
 * only weakens that backstop for a while: logged, not thrown.
 */
export async function mirrorWakeUp(ports: EnginePorts, tenantId: string, wakeAt: number | null): Promise<void> {
  try {
    await ports.controlPlane.saveNextDue(tenantId, wakeAt);
  } catch (error) {
    ports.log("warn", "delivery_wakeup_mirror_failed", { tenantId, error: String(error) });
  }
}
