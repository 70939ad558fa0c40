// A V8 CPU profile of a Worker served by `wrangler dev`, through its inspector port (Chrome DevTools
// protocol). The profile file opens in Chrome DevTools (Performance) or any .cpuprofile viewer.
import { writeFileSync } from "node:fs";

/** Starts profiling; resolves to a function that stops and writes the profile to `file`. */
export async function startCpuProfile(inspectorPort, { samplingIntervalUs = 100 } = {}) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((candidate) => candidate.webSocketDebuggerUrl);
  if (!target) throw new Error(`no inspector target on :${inspectorPort}`);
  // wrangler's inspector proxy refuses a WebSocket without an Origin header.
  const socket = new WebSocket(target.webSocketDebuggerUrl, { headers: { Origin: `http://127.0.0.1:${inspectorPort}` } });
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = (event) => reject(new Error(`inspector: ${event.message ?? "connection failed"}`));
  });
  let lastId = 0;
  const replies = new Map();
  socket.onmessage = (message) => {
    const reply = JSON.parse(String(message.data));
    replies.get(reply.id)?.(reply);
    replies.delete(reply.id);
  };
  const call = (method, params = {}) =>
    new Promise((resolve) => {
      const id = ++lastId;
      replies.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
  await call("Profiler.start");
  return async (file) => {
    const reply = await call("Profiler.stop");
    socket.close();
    writeFileSync(file, JSON.stringify(reply.result.profile));
  };
}
