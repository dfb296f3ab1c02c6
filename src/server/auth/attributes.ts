/** Kubernetes authorization attributes of a resource request. */
export interface ResourceAttributes {
  type: 'resource';
  /** get, list, watch, create, update, patch or delete. */
  verb: string;
  /** API group; empty for the core group. */
  group: string;
  /** Plural resource name, e.g. `cronjobs`. */
  resource: string;
  /** `status` or `log`, when the path names one. */
  subresource?: string;
  /** Absent for the all-namespaces paths such as `/apis/batch/v1/cronjobs`. */
  namespace?: string;
  /** Absent for collection paths. */
  name?: string;
}

/** A request to a path outside the Kubernetes resource layout. */
export interface PathAttributes {
  type: 'path';
  /** The lower-case HTTP method, as Kubernetes names verbs on non-resource paths. */
  verb: string;
  path: string;
}

export type RequestAttributes = ResourceAttributes | PathAttributes;

/** The parts of a routed request that authorization reads. */
export interface RoutedRequest {
  method: string;
  /** The route pattern, e.g. `/apis/batch/v1/namespaces/:namespace/cronjobs/:name`. */
  route: string;
  /** The request path without the query string. */
  path: string;
  params: Record<string, string | undefined>;
  query: Record<string, unknown>;
}

// `/api/v1` is the core group and `/apis/GROUP/VERSION` every other group. A route pattern
// contains the `:namespace` and `:name` parameters where the path has values.
const resourceRoute =
  /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(\/namespaces\/:namespace)?\/([a-z]+)(?:\/(:name)(?:\/([a-z]+))?)?$/;

/** Derives the authorization attributes of a request from its route pattern. */
export function requestAttributes(request: RoutedRequest): RequestAttributes {
  const match = resourceRoute.exec(request.route);
  if (match === null) {
    return { type: 'path', verb: request.method.toLowerCase(), path: request.path };
  }
  const [, group = '', namespaced, resource = '', named, subresource] = match;
  const attributes: ResourceAttributes = {
    type: 'resource',
    verb: verbOf(request, named !== undefined),
    group,
    resource,
  };
  if (subresource !== undefined) attributes.subresource = subresource;
  if (namespaced !== undefined) attributes.namespace = request.params['namespace'] ?? '';
  if (named !== undefined) attributes.name = request.params['name'] ?? '';
  return attributes;
}

function verbOf(request: RoutedRequest, named: boolean): string {
  switch (request.method) {
    case 'GET':
    case 'HEAD': {
      if (named) return 'get';
      const watch = request.query['watch'];
      return watch === 'true' || watch === '1' ? 'watch' : 'list';
    }
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return request.method.toLowerCase();
  }
}
