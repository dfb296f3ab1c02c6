/**
 * Resolves with the first SIGINT or SIGTERM. Its handlers are removed then, so a second signal
 * during the graceful stop ends the process at once, as Node does by default.
 */
export function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handle = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', handle);
      process.off('SIGTERM', handle);
      resolve(signal);
    };
    process.on('SIGINT', handle);
    process.on('SIGTERM', handle);
  });
}
