import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Pod } from '../../api/types.js';
import type { LogKey, Store } from '../../store/store.js';
import type { Clock, Timer } from '../../util/clock.js';
import { resourceInfo } from '../kinds.js';
import { badRequest, notFound } from '../status.js';
import type { OpenStreams } from '../streams.js';

export interface LogContext {
  store: Store;
  clock: Clock;
  streams: OpenStreams;
  /** How often a followed log is read again, because the store sends no event for log output. */
  logPollIntervalMs: number;
}

interface LogRoute {
  Params: { namespace: string; name: string };
  Querystring: { container?: string; follow?: string };
}

const textPlain = 'text/plain; charset=utf-8';

/**
 * Registers `GET /api/v1/namespaces/{ns}/pods/{name}/log`: the output of one container of one
 * attempt, stdout and stderr interleaved in capture order. With `follow=true` the response
 * streams until the container or the Pod has finished, or the Pod is deleted. A followed log
 * whose token stops being valid ends with a destroyed socket instead, so the body is truncated.
 */
export function registerLogRoutes(app: FastifyInstance, context: LogContext): void {
  app.get<LogRoute>('/api/v1/namespaces/:namespace/pods/:name/log', async (request, reply) => {
    const { namespace, name } = request.params;
    const pod = await context.store.find<Pod>('Pod', namespace, name);
    if (pod === undefined) throw notFound(resourceInfo('Pod'), name);

    const key: LogKey = {
      namespace,
      pod: name,
      container: chooseContainer(pod, request.query.container),
    };
    const follow = request.query.follow === 'true' || request.query.follow === '1';
    if (follow) {
      context.streams.rejectExpiredToken(request);
      followLog(context, pod, key, reply);
      return reply;
    }

    const chunks = await context.store.readLog(key);
    return reply.type(textPlain).send(chunks.map((chunk) => chunk.data).join(''));
  });
}

/**
 * Returns the container whose log is requested: the named one, or the only container. The
 * errors use the Kubernetes texts.
 */
function chooseContainer(pod: Pod, requested: string | undefined): string {
  const containers = pod.spec.containers.map((container) => container.name);
  const initContainers = (pod.spec.initContainers ?? []).map((container) => container.name);
  const podName = pod.metadata.name;

  if (requested !== undefined && requested !== '') {
    if (containers.includes(requested) || initContainers.includes(requested)) return requested;
    throw badRequest(`container ${requested} is not valid for pod ${podName}`);
  }

  const defaultContainer = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (defaultContainer !== undefined && containers.includes(defaultContainer)) {
    return defaultContainer;
  }
  const [only, ...others] = containers;
  if (only !== undefined && others.length === 0) return only;

  let message = `a container name must be specified for pod ${podName}, choose one of: [${containers.join(' ')}]`;
  if (initContainers.length > 0) {
    message += ` or one of the init containers: [${initContainers.join(' ')}]`;
  }
  throw badRequest(message);
}

/** Returns whether no more output can come for the container. */
function isFinished(pod: Pod, container: string): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return true;

  const statuses = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []),
  ];
  const terminated = statuses.find((status) => status.name === container)?.state?.terminated;
  if (terminated === undefined) return false;
  // A container that failed under restartPolicy OnFailure starts again and writes more output.
  return terminated.exitCode === 0 || pod.spec.restartPolicy === 'Never';
}

function followLog(context: LogContext, initial: Pod, key: LogKey, reply: FastifyReply): void {
  const { store, clock, streams } = context;
  const raw = reply.raw;
  let pod = initial;
  let podDeleted = false;
  let lastSeq: number | undefined;
  let closed = false;
  let reading = false;
  let readAgain = false;
  let timer: Timer | undefined;

  reply.hijack();
  raw.writeHead(200, { 'Content-Type': textPlain, 'Cache-Control': 'no-cache' });
  raw.flushHeaders();

  const unsubscribe = store.watch('Pod', (event) => {
    const { namespace, name } = event.object.metadata;
    if (namespace !== key.namespace || name !== key.pod) return;
    if (event.type === 'DELETED') podDeleted = true;
    else pod = event.object as Pod;
    void readNewOutput();
  });

  /** Stops reading and returns true, or returns false when the stream had already stopped. */
  function stop(): boolean {
    if (closed) return false;
    closed = true;
    timer?.cancel();
    unsubscribe();
    unregister();
    return true;
  }
  function close(): void {
    if (stop()) raw.end();
  }
  // The socket is destroyed rather than the response ended, so the client sees a truncated body
  // and can tell this end from a container that finished.
  function endForInvalidToken(): void {
    if (stop()) raw.destroy();
  }
  const unregister = streams.add(reply.request, { close, endForInvalidToken });
  raw.on('close', close);
  // A client that disconnected while the pod was read emitted 'close' before the listener above
  // existed.
  if (raw.destroyed) {
    close();
    return;
  }

  async function readNewOutput(): Promise<void> {
    if (reading) {
      readAgain = true;
      return;
    }
    reading = true;
    timer?.cancel();
    try {
      do {
        readAgain = false;
        // The finished state is taken before the read, so the read returns the final output.
        const finished = podDeleted || isFinished(pod, key.container);
        const chunks = await store.readLog(key, lastSeq);
        for (const chunk of chunks) {
          if (closed) return;
          lastSeq = chunk.seq;
          if (!raw.write(chunk.data)) await drained(raw);
        }
        if (finished) close();
      } while (readAgain && !closed);
    } catch (error) {
      reply.log.error({ err: error, namespace: key.namespace, pod: key.pod }, 'log follow failed');
      // A cut connection, so the client does not take the end for the container's.
      if (stop()) raw.destroy();
    } finally {
      reading = false;
    }
    if (!closed) timer = clock.setTimer(context.logPollIntervalMs, () => void readNewOutput());
  }

  void readNewOutput();
}

function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
