import type { TokenRole } from '../../store/tokens.js';

/** One rule of a role: verbs on resources of one API group, like a Kubernetes PolicyRule. */
interface Rule {
  /** API group; empty for the core group. */
  group: string;
  /** Plural resource names, with the subresource after a slash: `pods/log`. */
  resources: readonly string[];
  verbs: readonly string[];
}

const readVerbs = ['get', 'list', 'watch'];
const writeVerbs = ['create', 'update', 'patch', 'delete'];

// As in the Kubernetes `view` ClusterRole: everything in the namespace but Secrets.
const viewRules: readonly Rule[] = [
  {
    group: 'batch',
    resources: ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'],
    verbs: readVerbs,
  },
  {
    group: '',
    resources: ['pods', 'pods/log', 'pods/status', 'configmaps', 'events'],
    verbs: readVerbs,
  },
];

// As in the Kubernetes `edit` ClusterRole: view, plus reading Secrets and writing the workload
// objects. Status subresources stay read-only, because only the controllers and workers write
// status, and they write to the store directly.
const editRules: readonly Rule[] = [
  ...viewRules,
  { group: '', resources: ['secrets'], verbs: readVerbs },
  { group: 'batch', resources: ['cronjobs', 'jobs'], verbs: writeVerbs },
  { group: '', resources: ['pods', 'configmaps', 'secrets'], verbs: writeVerbs },
];

// As in the Kubernetes `admin` ClusterRole, which adds RoleBindings: edit, plus the tokens of
// the namespace.
const adminRules: readonly Rule[] = [
  ...editRules,
  { group: 'cronmesh.io', resources: ['tokens'], verbs: ['get', 'list', 'create', 'delete'] },
];

const rulesByRole: Record<TokenRole, readonly Rule[]> = {
  viewer: viewRules,
  editor: editRules,
  admin: adminRules,
};

/**
 * Returns whether `role` permits `verb` on `resource` (with `/subresource` when there is one) of
 * API group `group`. The caller checks that the request is inside the role's namespace.
 */
export function roleAllows(
  role: TokenRole,
  group: string,
  resource: string,
  verb: string,
): boolean {
  return rulesByRole[role].some(
    (rule) =>
      rule.group === group && rule.resources.includes(resource) && rule.verbs.includes(verb),
  );
}
