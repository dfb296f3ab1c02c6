import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AnyResource } from '../../api/types.js';
import type { ListOptions, Store } from '../../store/store.js';
import type { Clock } from '../../util/clock.js';
import { mediaType, mergePatchType } from '../body.js';
import { deleteObject, parseDeleteRequest } from '../delete.js';
import type { ResourceInfo } from '../kinds.js';
import { resources } from '../kinds.js';
import type { ListQuery } from '../list-filter.js';
import { isWatchRequest, matchesFilter, parseListFilter } from '../list-filter.js';
import { badRequest, unsupportedMediaType } from '../status.js';
import type { OpenStreams } from '../streams.js';
import { parseFieldValidation } from '../validation.js';
import type { WriteResult, WriteTarget } from '../writes.js';
import { createObject, patchObject, replaceObject } from '../writes.js';
import { serveWatch } from './watch.js';

export interface ResourceRouteContext {
  store: Store;
  clock: Clock;
  streams: OpenStreams;
  maxWatchBufferBytes: number;
}

interface NamespaceParams {
  namespace: string;
}

interface WriteQuery {
  fieldValidation?: string;
  dryRun?: string;
}

interface ObjectParams {
  namespace: string;
  name: string;
}

/** Registers the Kubernetes REST routes of every resource kind. */
export function registerResourceRoutes(app: FastifyInstance, context: ResourceRouteContext): void {
  for (const info of resources) registerKind(app, context, info);
}

function registerKind(
  app: FastifyInstance,
  context: ResourceRouteContext,
  info: ResourceInfo,
): void {
  const { store } = context;
  const collection = `${info.prefix}/namespaces/:namespace/${info.plural}`;
  const object = `${collection}/:name`;

  app.get<{ Querystring: ListQuery }>(`${info.prefix}/${info.plural}`, async (request, reply) => {
    const filter = parseListFilter(info, undefined, request.query);
    if (isWatchRequest(request.query)) {
      await serveWatch(watchContext(context), info, filter, reply);
      return reply;
    }
    return listObjects(store, info, filter);
  });

  app.get<{ Params: NamespaceParams; Querystring: ListQuery }>(
    collection,
    async (request, reply) => {
      const filter = parseListFilter(info, request.params.namespace, request.query);
      if (isWatchRequest(request.query)) {
        await serveWatch(watchContext(context), info, filter, reply);
        return reply;
      }
      return listObjects(store, info, filter);
    },
  );

  app.post<{ Params: NamespaceParams; Querystring: WriteQuery }>(
    collection,
    async (request, reply) => {
      rejectDryRun(request.query.dryRun);
      const mode = parseFieldValidation(request.query.fieldValidation);
      const result = await createObject(
        context,
        info,
        request.params.namespace,
        request.body,
        mode,
      );
      return sendWithWarnings(reply.code(201), result);
    },
  );

  app.get<{ Params: ObjectParams }>(object, async (request) => {
    const { namespace, name } = request.params;
    return store.get(info.kind, namespace, name);
  });

  app.delete<{
    Params: ObjectParams;
    Querystring: { propagationPolicy?: string; dryRun?: string };
  }>(object, async (request) => {
    rejectDryRun(request.query.dryRun);
    const { namespace, name } = request.params;
    const options = parseDeleteRequest(request.query.propagationPolicy, request.body);
    return deleteObject(store, info, namespace, name, options);
  });

  const targets: [string, WriteTarget][] = [[object, 'object']];
  if (info.hasStatus) {
    targets.push([`${object}/status`, 'status']);
    app.get<{ Params: ObjectParams }>(`${object}/status`, async (request) => {
      const { namespace, name } = request.params;
      return store.get(info.kind, namespace, name);
    });
  }

  for (const [path, target] of targets) {
    app.put<{ Params: ObjectParams; Querystring: WriteQuery }>(path, async (request, reply) => {
      rejectDryRun(request.query.dryRun);
      const { namespace, name } = request.params;
      const mode = parseFieldValidation(request.query.fieldValidation);
      const result = await replaceObject(
        context,
        info,
        namespace,
        name,
        request.body,
        target,
        mode,
      );
      return sendWithWarnings(reply, result);
    });

    app.patch<{ Params: ObjectParams; Querystring: WriteQuery }>(path, async (request, reply) => {
      rejectDryRun(request.query.dryRun);
      const type = mediaType(request.headers['content-type']);
      if (type !== mergePatchType) throw unsupportedMediaType(type, [mergePatchType]);
      const { namespace, name } = request.params;
      const mode = parseFieldValidation(request.query.fieldValidation);
      const result = await patchObject(context, info, namespace, name, request.body, target, mode);
      return sendWithWarnings(reply, result);
    });
  }
}

/**
 * Rejects a write that requests a dry run (`kubectl --dry-run=server` sends `dryRun=All`),
 * because cronmesh cannot preview a write and must not apply one that was meant as a preview.
 */
function rejectDryRun(dryRun: string | undefined): void {
  if (dryRun === undefined || dryRun === '') return;
  throw badRequest('dryRun is not supported, so the request was not applied');
}

/**
 * Sends the written object with one `Warning: 299 - "<text>"` header per API warning, the
 * format Kubernetes uses and kubectl prints.
 */
function sendWithWarnings(reply: FastifyReply, result: WriteResult): FastifyReply {
  if (result.warnings.length > 0) {
    const values = result.warnings.map((warning) => `299 - ${JSON.stringify(warning)}`);
    void reply.header('Warning', values);
  }
  return reply.send(result.object);
}

function watchContext(context: ResourceRouteContext) {
  return {
    store: context.store,
    streams: context.streams,
    maxBufferedBytes: context.maxWatchBufferBytes,
  };
}

/**
 * Lists the matching objects as a Kubernetes list (`CronJobList`, ...).
 *
 * NOTE: the list's resourceVersion is the highest resourceVersion among the returned items (`0`
 * when empty), because the Store interface does not expose its current version. It is not a
 * point to resume a watch from.
 */
async function listObjects(
  store: Store,
  info: ResourceInfo,
  filter: ReturnType<typeof parseListFilter>,
): Promise<object> {
  const options: ListOptions = { labelSelector: filter.labels };
  if (filter.namespace !== undefined) options.namespace = filter.namespace;
  const items: AnyResource[] = (await store.list(info.kind, options)).filter((item) =>
    matchesFilter(item, filter),
  );

  let latest = 0;
  for (const item of items) latest = Math.max(latest, Number(item.metadata.resourceVersion ?? 0));
  return {
    kind: info.listKind,
    apiVersion: info.apiVersion,
    metadata: { resourceVersion: String(latest) },
    items,
  };
}
