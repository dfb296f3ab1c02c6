/** The abort reason of the stop signal: an AbortError, as a plain abort gives, with the signal's name. */
export class StopSignalReceived extends DOMException {
  constructor(readonly signal: NodeJS.Signals) {
    super(`received ${signal}`, 'AbortError');
  }
}

/**
 * Listens for the first SIGINT or SIGTERM from now on and returns a signal that aborts with a
 * StopSignalReceived. Both handlers are removed then, so a second signal during the graceful stop
 * ends the process at once, as Node does by default.
 *
 * The CLI calls it before any command starts, so a signal that arrives while `serve` or `worker`
 * is still starting is not lost: they stop as soon as they have started.
 */
export function listenForStopSignal(): AbortSignal {
  const controller = new AbortController();
  const handle = (signal: NodeJS.Signals): void => {
    process.off('SIGINT', handle);
    process.off('SIGTERM', handle);
    controller.abort(new StopSignalReceived(signal));
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  return controller.signal;
}

/** Resolves with the name of the signal that aborted `stop`, at once if it has already. */
export function stopRequested(stop: AbortSignal): Promise<NodeJS.Signals> {
  const name = (): NodeJS.Signals => (stop.reason as StopSignalReceived).signal;
  if (stop.aborted) return Promise.resolve(name());
  return new Promise((resolve) => {
    stop.addEventListener('abort', () => resolve(name()), { once: true });
  });
}
