/**
 * Structured logs: one JSON object per line. Callers pass identifiers and outcomes, never secrets or bodies.
 * LOG_LEVEL (validated in env.ts, applied when the configuration is first read) drops lines below it: `warn`
 * keeps rejections, failed attempts and errors, and leaves out the per-request and per-delivery `info` lines
 * (under `wrangler dev` each console line costs about 5 ms of CPU, more than a delivery).
 */
export const LOG_LEVELS = ["info", "warn", "error"] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

let minimumRank = 0;

export function setLogLevel(level: LogLevel): void {
  minimumRank = LOG_LEVELS.indexOf(level);
}

export function logLine(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  if (LOG_LEVELS.indexOf(level) < minimumRank) return;
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
