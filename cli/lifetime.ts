/** How long a long-running command (receive, tail) runs: until Ctrl-C, SIGTERM or SIGHUP (the terminal closed). */
const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

export function untilStopped(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      for (const other of SIGNALS) process.removeListener(other, onSignal);
      resolve(signal);
    };
    for (const signal of SIGNALS) process.once(signal, onSignal);
  });
}
