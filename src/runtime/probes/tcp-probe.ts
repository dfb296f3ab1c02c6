import { connect } from 'node:net';
import type { Clock } from '../../util/clock.js';
import type { ProbeHandler, ProbeOutcome } from './types.js';

type TcpSocket = Extract<ProbeHandler, { type: 'tcpSocket' }>;

/**
 * Opens one TCP connection and closes it at once, as kubelet's TCP probe does: a completed
 * connect is a success, and a refused or timed-out connect a failure. Aborting `signal`
 * closes the socket and fails the probe.
 */
export function runTcpProbe(
  handler: TcpSocket,
  timeoutMs: number,
  clock: Clock,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  const address = handler.host.includes(':')
    ? `[${handler.host}]:${handler.port}`
    : `${handler.host}:${handler.port}`;
  return new Promise((resolve) => {
    const socket = connect({ host: handler.host, port: handler.port });
    let settled = false;
    const onAbort = (): void => settle({ result: 'failure', output: 'probe stopped' });
    const settle = (outcome: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const timer = clock.setTimer(timeoutMs, () =>
      settle({ result: 'failure', output: `dial tcp ${address}: i/o timeout` }),
    );
    if (signal?.aborted === true) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => settle({ result: 'success', output: '' }));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'ECONNREFUSED' ? 'connect: connection refused' : error.message;
      settle({ result: 'failure', output: `dial tcp ${address}: ${reason}` });
    });
  });
}
