/** Issue 7 configurable inbound hooks: the configuration API and the receiving URL, as one router to mount. */
import { newRouter } from "../../http/openapi-app";
import { inboundHookConfigRoutes } from "./config-routes";
import { inboundHookReceiveRoutes } from "./receive-routes";

export const inboundHookRoutes = newRouter().route("/", inboundHookConfigRoutes).route("/", inboundHookReceiveRoutes);
