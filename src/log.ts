/** Structured logs: one JSON object per line. Callers pass identifiers and outcomes, never secrets or bodies. */
export type LogLevel = "info" | "warn" | "error";

export function logLine(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
