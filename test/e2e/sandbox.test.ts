import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SANDBOX_ANNOTATION } from '../../src/api/annotations.js';
import { prepareForCreate } from '../../src/api/index.js';
import type { ConfigMap, Container, Job, Pod, PodSpec, Secret } from '../../src/api/types.js';
import { selectSandbox, volumesParentDirectory } from '../../src/runtime/sandbox/index.js';
import { SystemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import type { SchedulerHandle } from '../../src/worker/host.js';
import { startScheduler } from '../../src/worker/host.js';
import { openTempStore, type TempStore } from '../support/temp-store.js';
import { waitFor } from '../support/wait.js';

const clock = new SystemClock();
const marker = '/tmp/hA-cronmesh-sandbox-injected';

function sandboxJob(
  name: string,
  script: string,
  pod: Partial<PodSpec> = {},
  container: Partial<Container> = {},
): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 1,
          ...pod,
          containers: [{ name: 'main', command: ['/bin/sh', '-c', script], ...container }],
        },
      },
    },
  };
}

describe('bubblewrap sandbox end to end', () => {
  let temp: TempStore;
  let scheduler: SchedulerHandle;

  before(async () => {
    rmSync(marker, { force: true });
    temp = await openTempStore();
    scheduler = await startScheduler({
      store: temp.store,
      clock,
      logger: silentLogger,
      workerConcurrency: 2,
      pollIntervalMs: 200,
      sandbox: await selectSandbox('bubblewrap'),
    });
    const settings: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'default' },
      data: { 'app.yaml': 'level: debug\n', 'other.txt': 'unused\n' },
    };
    const credentials: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'credentials', namespace: 'default' },
      data: { token: Buffer.from('s3cret').toString('base64') },
    };
    await temp.store.create(settings, clock.now());
    await temp.store.create(credentials, clock.now());
  });

  after(async () => {
    await scheduler.stop();
    await temp.cleanup();
  });

  /** Creates the Job and returns its finished pod and the main container's log. */
  async function run(job: Job): Promise<{ pod: Pod; log: string }> {
    await temp.store.create(prepareForCreate(job), clock.now());
    const pod = await waitFor(`pod of job ${job.metadata.name} to finish`, async () => {
      const pods = await temp.store.list<Pod>('Pod', { namespace: 'default' });
      const found = pods.find((candidate) =>
        candidate.metadata.name.startsWith(`${job.metadata.name}-`),
      );
      const phase = found?.status?.phase;
      return phase === 'Succeeded' || phase === 'Failed' ? found : undefined;
    });
    const chunks = await temp.store.readLog({
      namespace: 'default',
      pod: pod.metadata.name,
      container: 'main',
    });
    return { pod, log: chunks.map((chunk) => chunk.data).join('') };
  }

  it('mounts configMap, secret and emptyDir volumes', async () => {
    const job = sandboxJob(
      'volumes',
      'cat /etc/app/config/app.yaml; ls /etc/app/config; stat -c "%a %g" /etc/app/config/app.yaml; ' +
        'cat /var/run/creds/token; echo; stat -c "%a" /var/run/creds/token; cat /work/from-init; ' +
        'touch /etc/app/config/new 2>/dev/null || echo config-read-only; id -u; id -G',
      {
        securityContext: { runAsUser: 2000, runAsGroup: 2001, fsGroup: 3000 },
        initContainers: [
          {
            name: 'prepare',
            command: ['/bin/sh', '-c', 'echo prepared > /work/from-init'],
            volumeMounts: [{ name: 'work', mountPath: '/work' }],
          },
        ],
        volumes: [
          {
            name: 'config',
            configMap: {
              name: 'settings',
              defaultMode: 0o400,
              items: [{ key: 'app.yaml', path: 'app.yaml' }],
            },
          },
          { name: 'creds', secret: { secretName: 'credentials', defaultMode: 0o440 } },
          { name: 'work', emptyDir: {} },
          { name: 'absent', configMap: { name: 'no-such-map', optional: true } },
        ],
      },
      {
        securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
        volumeMounts: [
          { name: 'config', mountPath: '/etc/app/config', readOnly: true },
          { name: 'creds', mountPath: '/var/run/creds', readOnly: true },
          { name: 'work', mountPath: '/work' },
          { name: 'absent', mountPath: '/absent' },
        ],
      },
    );

    const { pod, log } = await run(job);

    assert.equal(pod.status?.phase, 'Succeeded', `${pod.status?.message}: ${log}`);
    assert.equal(pod.metadata.annotations?.[SANDBOX_ANNOTATION], 'bubblewrap');
    // fsGroup gives group read (0440 mask) and group 3000 to the configMap files.
    assert.equal(
      log,
      'level: debug\napp.yaml\n440 3000\ns3cret\n440\nprepared\nconfig-read-only\n2000\n2001 3000\n',
    );
    // Other test files run attempts at the same time, so only this attempt's traces are looked for.
    const parent = volumesParentDirectory();
    const files = existsSync(parent) ? readdirSync(parent, { recursive: true }) : [];
    const leftFiles = files.filter((file) => String(file).endsWith('from-init'));
    const leftMounts = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .filter((line) => line.includes(parent));
    assert.deepEqual(leftFiles, []);
    assert.deepEqual(leftMounts, []);
  });

  it('fails on a missing configMap', async () => {
    const job = sandboxJob('missing-map', 'echo ran', {
      volumes: [{ name: 'config', configMap: { name: 'no-such-map' } }],
    });

    const { pod } = await run(job);

    assert.equal(pod.status?.phase, 'Failed');
    assert.equal(pod.status?.reason, 'CreateContainerConfigError');
    assert.equal(
      pod.status?.message,
      'MountVolume.SetUp failed for volume "config" : configmap "no-such-map" not found',
    );
  });

  it('limits a memory emptyDir to its sizeLimit', async () => {
    const job = sandboxJob(
      'memory',
      'head -c 2097152 /dev/zero > /scratch/big 2>/dev/null || echo full; ' +
        'df -k /scratch | tail -1 | tr -s " " | cut -d " " -f 2',
      { volumes: [{ name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }] },
      { volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] },
    );

    const { pod, log } = await run(job);

    assert.equal(pod.status?.phase, 'Succeeded', pod.status?.message);
    assert.equal(log, 'full\n1024\n');
  });

  it('refuses a disk emptyDir with sizeLimit', async () => {
    const job = sandboxJob('disk-limit', 'echo ran', {
      volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '1Gi' } }],
    });

    const { pod } = await run(job);

    assert.equal(pod.status?.reason, 'CreateContainerConfigError');
    assert.equal(
      pod.status?.message,
      'spec.volumes[0].emptyDir.sizeLimit: cronmesh cannot limit a disk-backed emptyDir; set medium: Memory for a size-limited tmpfs, or remove sizeLimit',
    );
  });

  it('refuses root with runAsNonRoot', async () => {
    const job = sandboxJob('nonroot', 'echo ran', { securityContext: { runAsNonRoot: true } });

    const { pod, log } = await run(job);

    assert.equal(pod.status?.phase, 'Failed');
    assert.equal(pod.status?.reason, 'CreateContainerConfigError');
    assert.equal(
      pod.status?.message,
      `container has runAsNonRoot and image will run as root (pod: "${pod.metadata.name}_default(${pod.metadata.uid})", container: main)`,
    );
    assert.equal(log, '');
  });

  it('refuses a subPath that an init container turned into a symlink', async () => {
    const job = sandboxJob(
      'subpath-escape',
      'ls /escaped',
      {
        initContainers: [
          {
            name: 'plant',
            command: ['/bin/sh', '-c', 'rmdir /data/dir && ln -s /etc /data/dir'],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
      { volumeMounts: [{ name: 'data', mountPath: '/escaped', subPath: 'dir' }] },
    );

    const { pod } = await run(job);

    assert.equal(pod.status?.reason, 'CreateContainerConfigError');
    assert.equal(
      pod.status?.message,
      'spec.containers[0].volumeMounts[0].subPath resolves outside its volume, through a symbolic link; the mount is refused',
    );
  });

  it('binds the service account token', async () => {
    const job = sandboxJob(
      'token',
      'echo "$CRONMESH_TOKEN_FILE"; cat /var/run/secrets/kubernetes.io/serviceaccount/namespace; echo; ' +
        'test -s "$CRONMESH_TOKEN_FILE" && echo token-present',
      { serviceAccountName: 'builder' },
      { securityContext: { readOnlyRootFilesystem: true } },
    );

    const { pod, log } = await run(job);

    assert.equal(pod.status?.phase, 'Succeeded', `${pod.status?.message}: ${log}`);
    assert.equal(
      log,
      '/var/run/secrets/kubernetes.io/serviceaccount/token\ndefault\ntoken-present\n',
    );
  });

  it('runs a restricted-profile pod under RuntimeDefault', async () => {
    const job = sandboxJob(
      'restricted',
      "grep -E '^(Seccomp|NoNewPrivs|CapEff):' /proc/self/status; id -u; " +
        'unshare -U true 2>&1 || echo unshare-refused',
      {
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 10001,
          runAsGroup: 10001,
          seccompProfile: { type: 'RuntimeDefault' },
        },
      },
      {
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        },
      },
    );

    const { pod, log } = await run(job);

    assert.equal(pod.status?.phase, 'Succeeded', `${pod.status?.message}: ${log}`);
    assert.equal(
      log,
      'CapEff:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\n10001\n' +
        'unshare: unshare failed: Operation not permitted\nunshare-refused\n',
    );
  });

  it('unmounts the secret volume of an aborted attempt', async () => {
    const job = sandboxJob(
      'aborted',
      'cat /var/run/creds/token; echo; exec sleep 30',
      { volumes: [{ name: 'creds', secret: { secretName: 'credentials' } }] },
      { volumeMounts: [{ name: 'creds', mountPath: '/var/run/creds', readOnly: true }] },
    );
    job.spec.activeDeadlineSeconds = 2;
    await temp.store.create(prepareForCreate(job), clock.now());
    const running = await waitFor('the aborted job to print its secret', async () => {
      const pods = await temp.store.list<Pod>('Pod', { namespace: 'default' });
      const found = pods.find((candidate) => candidate.metadata.name.startsWith('aborted-'));
      if (found === undefined) return undefined;
      const chunks = await temp.store.readLog({
        namespace: 'default',
        pod: found.metadata.name,
        container: 'main',
      });
      return chunks.map((chunk) => chunk.data).join('') === 's3cret\n' ? found : undefined;
    });
    const attemptDirectory = `attempt-${running.metadata.uid ?? ''}-`;
    const hostMounts = (): string[] =>
      readFileSync('/proc/self/mounts', 'utf8')
        .split('\n')
        .filter((line) => line.includes(attemptDirectory));
    const attemptEntries = (): string[] =>
      readdirSync(volumesParentDirectory()).filter((entry) => entry.startsWith(attemptDirectory));

    // While the attempt runs, its Secret sits on a tmpfs under the volumes directory.
    assert.equal(hostMounts().length, 1);
    assert.equal(attemptEntries().length, 1);

    await waitFor('the aborted attempt to release its volumes', async () => {
      const pod = await temp.store.find<Pod>('Pod', 'default', running.metadata.name);
      const finished = pod?.status?.phase === 'Failed';
      return finished && hostMounts().length === 0 && attemptEntries().length === 0;
    });
    const pod = await temp.store.find<Pod>('Pod', 'default', running.metadata.name);
    assert.equal(pod?.status?.reason, 'DeadlineExceeded');
    assert.deepEqual(hostMounts(), []);
    assert.deepEqual(attemptEntries(), []);
  });

  it('keeps hostile annotations and item paths inert', async () => {
    const hostile = `$(touch ${marker}); \`touch ${marker}\`; touch ${marker}`;
    const job = sandboxJob(
      'hostile',
      'printf "%s\\n" "$HOSTILE"; ls /config',
      {
        volumes: [
          {
            name: 'config',
            configMap: {
              name: 'settings',
              items: [{ key: 'app.yaml', path: `;touch ${marker.slice(1).replaceAll('/', '_')}` }],
            },
          },
        ],
      },
      {
        env: [
          {
            name: 'HOSTILE',
            valueFrom: { fieldRef: { fieldPath: "metadata.annotations['note']" } },
          },
        ],
        args: [],
        volumeMounts: [{ name: 'config', mountPath: '/config' }],
      },
    );
    job.spec.template.metadata = { annotations: { note: hostile } };

    const { pod, log } = await run(job);

    assert.equal(pod.status?.phase, 'Succeeded', pod.status?.message);
    assert.equal(log, `${hostile}\n;touch tmp_hA-cronmesh-sandbox-injected\n`);
    assert.equal(existsSync(marker), false);
  });
});
