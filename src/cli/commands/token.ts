import type { CommandContext } from '../context.js';
import { parseDurationFlag } from '../duration.js';
import { CliError, formatError } from '../errors.js';
import { ageSince } from '../format/age.js';
import { toJson, toYaml } from '../format/objects.js';
import { TablePrinter } from '../format/table.js';

/** A token as the API returns it; see TokenObject in server/auth/token-object.ts. */
interface TokenObject {
  metadata: { name: string; namespace?: string; creationTimestamp?: string };
  spec: { role?: string; serviceAccountName?: string };
  status: { user: string; expirationTimestamp?: string; token?: string };
}

interface TokenList {
  items: TokenObject[];
}

export interface TokenCreateOptions {
  role: string;
  allNamespaces?: boolean;
  serviceAccount?: string;
  expiresIn?: string;
  output?: string;
}

export interface TokenListOptions {
  allNamespaces?: boolean;
  output?: string;
}

export interface TokenDeleteOptions {
  allNamespaces?: boolean;
}

const apiPrefix = '/apis/cronmesh.io/v1';

/** Returns the token collection path of `namespace`, or of every namespace when undefined. */
function tokensPath(namespace: string | undefined): string {
  if (namespace === undefined) return `${apiPrefix}/tokens`;
  return `${apiPrefix}/namespaces/${encodeURIComponent(namespace)}/tokens`;
}

function parseOutput(output: string | undefined): 'json' | 'yaml' | undefined {
  if (output === undefined || output === 'json' || output === 'yaml') return output;
  throw new CliError(
    `unable to match a printer suitable for the output format ${JSON.stringify(output)}, allowed formats are: json,yaml`,
  );
}

/**
 * Runs `token create`: requests a new token from the server and prints the bearer string, which the
 * server does not keep, followed by nothing else, so `$(cronmesh token create ...)` captures it.
 * With `-o json|yaml` it prints the whole Token object instead.
 */
export async function runTokenCreate(
  context: CommandContext,
  options: TokenCreateOptions,
): Promise<number> {
  const output = parseOutput(options.output);
  const namespace = options.allNamespaces === true ? undefined : context.namespace;
  const spec: Record<string, unknown> = { role: options.role };
  if (options.serviceAccount !== undefined) spec['serviceAccountName'] = options.serviceAccount;
  if (options.expiresIn !== undefined) {
    const milliseconds = parseDurationFlag('--expires-in', options.expiresIn);
    if (milliseconds % 1000 !== 0) {
      throw new CliError(
        `invalid --expires-in value ${JSON.stringify(options.expiresIn)}: expected whole seconds such as 90s, 30m or 24h`,
      );
    }
    spec['expirationSeconds'] = milliseconds / 1000;
  }

  const created = await context.client.post<TokenObject>(tokensPath(namespace), {
    apiVersion: 'cronmesh.io/v1',
    kind: 'Token',
    spec,
  });
  if (output === 'json') context.out.stdout(toJson(created));
  else if (output === 'yaml') context.out.stdout(toYaml(created));
  else context.out.stdout(`${created.status.token ?? ''}\n`);

  const scope =
    created.metadata.namespace === undefined
      ? 'in every namespace'
      : `in namespace ${created.metadata.namespace}`;
  const expiry =
    created.status.expirationTimestamp === undefined
      ? 'does not expire'
      : `expires at ${created.status.expirationTimestamp}`;
  context.out.stderr(
    `token ${created.metadata.name} created for ${created.status.user}: role ` +
      `${created.spec.role ?? '<none>'} ${scope}; it ${expiry}. The server keeps only its hash, ` +
      'so store the token now.\n',
  );
  return 0;
}

/** Runs `token list`: prints the tokens of the namespace, or of all with `-A`, never their secrets. */
export async function runTokenList(
  context: CommandContext,
  options: TokenListOptions,
): Promise<number> {
  const output = parseOutput(options.output);
  const allNamespaces = options.allNamespaces === true;
  const list = await context.client.get<TokenList>(
    tokensPath(allNamespaces ? undefined : context.namespace),
  );
  if (output === 'json') {
    context.out.stdout(toJson(list));
    return 0;
  }
  if (output === 'yaml') {
    context.out.stdout(toYaml(list));
    return 0;
  }
  if (list.items.length === 0) {
    context.out.stderr(
      allNamespaces ? 'No tokens found.\n' : `No tokens found in ${context.namespace} namespace.\n`,
    );
    return 0;
  }

  const header = ['ID', 'USER', 'ROLE', 'EXPIRES', 'AGE'];
  if (allNamespaces) header.unshift('NAMESPACE');
  const rows = list.items.map((token) => {
    const row = [
      token.metadata.name,
      token.status.user,
      token.spec.role ?? '<service account>',
      token.status.expirationTimestamp ?? '<never>',
      ageSince(token.metadata.creationTimestamp, context.now()),
    ];
    if (allNamespaces) row.unshift(token.metadata.namespace ?? '<all>');
    return row;
  });
  context.out.stdout(new TablePrinter().format([header, ...rows]));
  return 0;
}

/**
 * Runs `token delete ID...`: deletes tokens of the namespace, or tokens of every namespace with
 * `-A`. Requests with a deleted token fail at once. Returns 1 when any delete failed.
 */
export async function runTokenDelete(
  context: CommandContext,
  ids: readonly string[],
  options: TokenDeleteOptions,
): Promise<number> {
  const collection = tokensPath(options.allNamespaces === true ? undefined : context.namespace);
  let exitCode = 0;
  // As kubectl delete does, a failure is reported and the remaining ids are still deleted.
  for (const id of ids) {
    try {
      await context.client.delete(`${collection}/${encodeURIComponent(id)}`);
      context.out.stdout(`token ${JSON.stringify(id)} deleted\n`);
    } catch (error) {
      context.out.stderr(formatError(error));
      exitCode = 1;
    }
  }
  return exitCode;
}
