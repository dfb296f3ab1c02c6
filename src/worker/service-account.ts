import { chmod, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from '../api/types.js';
import { ensureVolumesParentDirectory } from '../runtime/sandbox/filesystem.js';
import { issueToken } from '../store/issue-token.js';
import type { Store } from '../store/store.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { removeTree } from './remove-tree.js';
import { attemptDirectoryPrefix, currentProcessIdentity } from './volume-owner.js';

/** Mount path of a pod's service account files `token` and `namespace` in Kubernetes. */
export const serviceAccountMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Lifetime of a minted token, which is renewed at 80% of it, as kubelet does for projected
 * tokens. The previous token stays valid until its own expiry, as a projected token does, so the
 * watches it opened keep running. Every token stops working as soon as its attempt finishes.
 */
export const serviceAccountTokenLifetimeMs = 60 * 60 * 1000;

export interface ServiceAccountOptions {
  /** The URL at which attempts reach the API, given to them as CRONMESH_SERVER. */
  apiServerUrl?: string;
}

export interface ServiceAccountContext {
  store: Store;
  clock: Clock;
  logger: Logger;
  options: ServiceAccountOptions;
}

/** The token of one attempt, written to a file that only the worker's user can read. */
export interface ServiceAccountToken {
  /**
   * Directory on the host with the files `token` and `namespace`. A sandbox binds this directory,
   * not the file, at serviceAccountMountPath, because a renewal replaces the file by a rename.
   */
  hostDirectory: string;
  /** The token file on the host, `<hostDirectory>/token`. */
  hostPath: string;
  /** The container variables for an attempt that reads the host's files directly. */
  env: Record<string, string>;
  /** Returns the container variables for an attempt that finds hostDirectory at `directory`. */
  envAt(directory: string): Record<string, string>;
  /**
   * Stops renewal, deletes every token minted for the attempt from the store and removes the
   * directory. Never throws: a failed delete or removal is logged, and such a token stops
   * working once the pod has finished.
   */
  release(): Promise<void>;
}

/**
 * Mints a token that acts as the pod's service account (`spec.serviceAccountName`, or the
 * deprecated `spec.serviceAccount`) for as long as the attempt runs, and writes it to a file.
 * Returns undefined when the pod names no service account or sets
 * `automountServiceAccountToken: false`.
 *
 * The token carries no role of its own. Each request acts with the role that the tokens made by
 * `cronmesh token create --service-account NAME` grant in the pod's namespace at that moment. A
 * service account without such a token can authenticate but do nothing.
 *
 * NOTE: unlike Kubernetes, a pod without `serviceAccountName` gets no token, rather than one for
 * the `default` service account.
 */
export async function mountServiceAccountToken(
  pod: Pod,
  context: ServiceAccountContext,
): Promise<ServiceAccountToken | undefined> {
  const name = pod.spec.serviceAccountName ?? stringField(pod.spec['serviceAccount']);
  if (name === undefined || name === '') return undefined;
  if (pod.spec['automountServiceAccountToken'] === false) return undefined;

  const namespace = pod.metadata.namespace ?? 'default';
  const boundPod = { name: pod.metadata.name, uid: pod.metadata.uid ?? '' };
  const { store, clock, logger } = context;
  const ids = { namespace, pod: pod.metadata.name, serviceAccount: name };

  // The expiry of each token minted for this attempt that may still be in the store, by id.
  const minted = new Map<string, number>();

  const mint = async (): Promise<{ id: string; bearer: string }> => {
    const now = clock.now();
    const expiresAt = now + serviceAccountTokenLifetimeMs;
    const issued = await issueToken(
      store,
      { namespace, serviceAccount: name, boundPod, expiresAt },
      now,
    );
    // issueToken deleted every expired token from the store first.
    for (const [id, expired] of minted) if (expired <= now) minted.delete(id);
    minted.set(issued.record.id, expiresAt);
    return { id: issued.record.id, bearer: issued.bearer };
  };

  const deleteTokenQuietly = async (id: string): Promise<void> => {
    minted.delete(id);
    try {
      await store.deleteToken(id);
    } catch (error) {
      // The token stops working anyway once the attempt's pod has finished.
      logger.warn({ ...ids, token: id, err: error }, 'service account token revocation failed');
    }
  };

  // The sandbox hides this parent directory under an empty tmpfs and binds only the attempt's
  // own directory, so a sandboxed container cannot read the tokens of other attempts.
  // The check that the parent is cronmesh's own directory, not a job's symlink, comes first.
  const parent = ensureVolumesParentDirectory();
  // The name records this process, so the next worker to start removes it after a crash.
  // Without an identity the name records no owner and the directory stays after a crash.
  const owner = await currentProcessIdentity(logger);
  const prefix = attemptDirectoryPrefix(boundPod.uid, owner, 'serviceaccount');
  const hostDirectory = await mkdtemp(join(parent, prefix));

  // removeTree follows no symbolic link that a job process swaps in while it runs.
  const removeTokenDirectoryQuietly = async (): Promise<void> => {
    try {
      await removeTree(hostDirectory);
    } catch (error) {
      logger.warn({ ...ids, err: error }, 'removing the service account token directory failed');
    }
  };

  // Readable by every user, as Kubernetes projects the token with mode 0644, so a container
  // with another runAsUser reads its own token. The parent stays private to cronmesh's user,
  // so no other host user or other attempt's sandbox can reach it.
  await chmod(hostDirectory, 0o755);
  const hostPath = join(hostDirectory, 'token');
  let current: { id: string; bearer: string } | undefined;
  try {
    await writeFile(join(hostDirectory, 'namespace'), namespace, { mode: 0o644 });
    current = await mint();
    await writeFile(hostPath, current.bearer, { mode: 0o644 });
  } catch (error) {
    if (current !== undefined) await deleteTokenQuietly(current.id);
    await removeTokenDirectoryQuietly();
    throw error;
  }
  let active = current;
  logger.debug({ ...ids, token: active.id }, 'service account token minted');

  let released = false;
  let timer: Timer | undefined;
  const renewAfterMs = Math.floor(serviceAccountTokenLifetimeMs * 0.8);

  const renew = async (): Promise<void> => {
    let next: { id: string; bearer: string } | undefined;
    try {
      next = await mint();
      if (!released) {
        // The rename replaces the file in one step, so a reader never sees a partial token.
        const staging = join(hostDirectory, '.token.next');
        await writeFile(staging, next.bearer, { mode: 0o644 });
        await rename(staging, hostPath);
        // The previous token stays in the store until it expires, because deleting it would end
        // the watches and followed logs that the attempt opened with it.
        active = next;
        logger.debug({ ...ids, token: next.id }, 'service account token renewed');
      }
    } catch (error) {
      logger.warn({ ...ids, err: error }, 'service account token renewal failed');
    }
    // release() deletes only the tokens minted before it ran, so a token minted while it ran, or
    // one that never reached the file, is deleted here.
    if (next !== undefined && (released || active !== next)) await deleteTokenQuietly(next.id);
    if (!released) timer = clock.setTimer(renewAfterMs, () => void renew());
  };
  timer = clock.setTimer(renewAfterMs, () => void renew());

  const envAt = (directory: string): Record<string, string> => {
    const env: Record<string, string> = { CRONMESH_TOKEN_FILE: join(directory, 'token') };
    if (context.options.apiServerUrl !== undefined) {
      env['CRONMESH_SERVER'] = context.options.apiServerUrl;
    }
    return env;
  };

  return {
    hostDirectory,
    hostPath,
    env: envAt(hostDirectory),
    envAt,
    async release() {
      if (released) return;
      released = true;
      timer?.cancel();
      for (const id of [...minted.keys()]) await deleteTokenQuietly(id);
      await removeTokenDirectoryQuietly();
    },
  };
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
