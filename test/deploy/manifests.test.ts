import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { parseServeOptions } from '../../src/cli/commands/serve.js';
import { parseAuthFlags } from '../../src/cli/serve-auth.js';
import { freePort, startServe } from '../support/serve-process.js';
import type { ServeProcess } from '../support/serve-process.js';
import type { ManifestDocument, ManifestObjects } from './manifest-files.js';
import {
  kustomizationFile,
  listManifestFiles,
  manifestDirectory,
  readManifestFile,
  validateManifests,
} from './manifest-files.js';

const serveName = 'cronmesh-serve';
const workerName = 'cronmesh-worker';
const serveLabels = {
  'app.kubernetes.io/name': 'cronmesh',
  'app.kubernetes.io/component': 'serve',
};
const workerLabels = {
  'app.kubernetes.io/name': 'cronmesh',
  'app.kubernetes.io/component': 'worker',
};

function findDeployment(objects: ManifestObjects, name: string): Deployment {
  const deployment = objects.deployments.find((candidate) => candidate.metadata?.name === name);
  if (deployment === undefined) throw new Error(`no Deployment named ${name}`);
  return deployment;
}

function podSpecOf(deployment: Deployment): IPodSpec {
  const spec = deployment.spec?.template.spec;
  if (spec === undefined)
    throw new Error(`Deployment ${deployment.metadata?.name} has no pod spec`);
  return spec;
}

/** Returns the only container of the pod. The tests below expect no sidecar. */
function onlyContainer(deployment: Deployment): IContainer {
  const containers = podSpecOf(deployment).containers;
  assert.equal(containers.length, 1, `containers of ${deployment.metadata?.name}`);
  const [container] = containers;
  if (container === undefined)
    throw new Error(`Deployment ${deployment.metadata?.name} has no container`);
  return container;
}

/** Returns whether every label of `selector` has the same value in `labels`. An empty selector matches nothing. */
function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/** Returns the value after `flag` in `args`, or undefined when the flag is absent. */
function flagValue(args: readonly string[], flag: string): string | undefined {
  const index = args.lastIndexOf(flag);
  return index === -1 ? undefined : args[index + 1];
}

describe('Kubernetes manifests', () => {
  let files: string[];
  let documents: ManifestDocument[];
  let objects: ManifestObjects | undefined;

  /** Validates the documents on first use, so every test that reads them reports an invalid one. */
  function manifests(): ManifestObjects {
    objects ??= validateManifests(documents);
    return objects;
  }

  before(async () => {
    files = await listManifestFiles();
    documents = [];
    for (const file of files) {
      if (file === kustomizationFile) continue;
      documents.push(...(await readManifestFile(file)));
    }
  });

  it('every document validates', () => {
    manifests();
    const found = documents.map(({ file, value }) => {
      const object = value as { kind: string; metadata: { name: string } };
      return `${file}: ${object.kind} ${object.metadata.name}`;
    });
    assert.deepEqual(found, [
      'serve-deployment.yaml: Deployment cronmesh-serve',
      'serve-pvc.yaml: PersistentVolumeClaim cronmesh-data',
      'serve-service.yaml: Service cronmesh',
      'serve-servicemonitor.yaml: ServiceMonitor cronmesh',
      'worker-deployment.yaml: Deployment cronmesh-worker',
      'worker-hpa.yaml: HorizontalPodAutoscaler cronmesh-worker',
      'worker-podmonitor.yaml: PodMonitor cronmesh-worker',
    ]);
  });

  it('validator rejects invalid and unknown kinds', () => {
    const wrongType: ManifestDocument = {
      file: 'bad.yaml',
      index: 0,
      value: { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 'one' } },
    };
    assert.throws(() => validateManifests([wrongType]), {
      message:
        'bad.yaml document 0 (apps/v1/Deployment) is invalid: data/spec must have required property selector, data/spec must have required property template, data/spec/replicas must be integer',
    });

    const unknownKind: ManifestDocument = {
      file: 'bad.yaml',
      index: 1,
      value: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
    };
    assert.throws(() => validateManifests([unknownKind]), {
      message:
        /^bad\.yaml document 1: no validator for apiVersion v1 kind ConfigMap\. Known kinds: apps\/v1\/Deployment, /,
    });
  });

  it('kustomization lists the serve manifests', async () => {
    const text = await readFile(join(manifestDirectory, kustomizationFile), 'utf8');
    const kustomization = parse(text) as { apiVersion: string; kind: string; resources: string[] };
    assert.equal(kustomization.apiVersion, 'kustomize.config.k8s.io/v1beta1');
    assert.equal(kustomization.kind, 'Kustomization');
    assert.deepEqual(kustomization.resources, [
      'serve-pvc.yaml',
      'serve-deployment.yaml',
      'serve-service.yaml',
      'serve-servicemonitor.yaml',
    ]);
    for (const resource of kustomization.resources) {
      assert.equal(files.includes(resource), true, `${resource} exists`);
    }
  });

  it('serve runs one replica with Recreate', () => {
    const serve = findDeployment(manifests(), serveName);
    assert.equal(serve.spec?.replicas, 1);
    assert.deepEqual(serve.spec?.strategy, { type: 'Recreate' });
    assert.deepEqual(serve.spec?.selector.matchLabels, serveLabels);
    assert.deepEqual(serve.spec?.template.metadata?.labels, serveLabels);
  });

  it('serve container runs serve on 8080', async () => {
    const container = onlyContainer(findDeployment(manifests(), serveName));
    const packageJson = JSON.parse(
      await readFile(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    assert.equal(container.image, `ghcr.io/cronmesh/cronmesh:${packageJson.version}`);
    assert.deepEqual(container.command, ['cronmesh']);
    assert.deepEqual(container.args, [
      'serve',
      '--listen',
      '0.0.0.0:8080',
      '--auth',
      '--data-dir',
      '/var/lib/cronmesh',
      '--log-format',
      'json',
    ]);
    assert.deepEqual(container.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    assert.deepEqual(container.env, [{ name: 'TZ', value: 'UTC' }]);
  });

  it('serve keeps its database on the claim', () => {
    const serve = findDeployment(manifests(), serveName);
    const container = onlyContainer(serve);
    const claim = manifests().persistentVolumeClaims[0];
    assert.equal(manifests().persistentVolumeClaims.length, 1);
    assert.deepEqual(claim?.spec?.accessModes, ['ReadWriteOnce']);
    assert.deepEqual(claim?.spec?.resources?.requests, { storage: '5Gi' });

    assert.deepEqual(podSpecOf(serve).volumes, [
      { name: 'data', persistentVolumeClaim: { claimName: claim?.metadata?.name } },
      { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
    ]);
    assert.deepEqual(container.volumeMounts, [
      { name: 'data', mountPath: flagValue(container.args ?? [], '--data-dir') },
      { name: 'tmp', mountPath: '/tmp' },
    ]);
  });

  it('worker runs worker with the store Secret', () => {
    const worker = findDeployment(manifests(), workerName);
    const container = onlyContainer(worker);
    // The autoscaler owns the replica count.
    assert.equal(worker.spec?.replicas, undefined);
    assert.deepEqual(worker.spec?.selector.matchLabels, workerLabels);
    assert.deepEqual(worker.spec?.template.metadata?.labels, workerLabels);
    assert.equal(container.image, onlyContainer(findDeployment(manifests(), serveName)).image);
    assert.deepEqual(container.command, ['cronmesh']);
    assert.deepEqual(container.args, ['worker', '--concurrency', '4', '--listen', '0.0.0.0:9090']);
    assert.deepEqual(container.env, [
      {
        name: 'CRONMESH_STORE',
        valueFrom: { secretKeyRef: { name: 'cronmesh-postgres', key: 'url' } },
      },
      {
        name: 'CRONMESH_ENCRYPTION_KEY',
        valueFrom: { secretKeyRef: { name: 'cronmesh-encryption', key: 'key' } },
      },
      { name: 'TZ', value: 'UTC' },
    ]);
    assert.deepEqual(container.ports, [{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }]);
    assert.deepEqual(podSpecOf(worker).volumes, [
      { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
    ]);
    assert.deepEqual(container.volumeMounts, [{ name: 'tmp', mountPath: '/tmp' }]);
  });

  it('Secret values stay out of arguments', () => {
    const checked: string[] = [];
    for (const deployment of manifests().deployments) {
      const container = onlyContainer(deployment);
      const secretVariables = (container.env ?? [])
        .filter((variable) => variable.valueFrom?.secretKeyRef !== undefined)
        .map((variable) => variable.name);
      const commandLine = [...(container.command ?? []), ...(container.args ?? [])];
      for (const name of secretVariables) {
        checked.push(`${deployment.metadata?.name} ${name}`);
        // The kubelet expands $(NAME) in command and args, which the process list shows.
        const references = commandLine.filter((arg) => arg.includes(`$(${name})`));
        assert.deepEqual(references, [], `arguments of ${deployment.metadata?.name}`);
      }
    }
    assert.deepEqual(checked, [
      'cronmesh-worker CRONMESH_STORE',
      'cronmesh-worker CRONMESH_ENCRYPTION_KEY',
    ]);
  });

  for (const name of [serveName, workerName]) {
    it(`${name} pod is hardened`, () => {
      const deployment = findDeployment(manifests(), name);
      const pod = podSpecOf(deployment);
      assert.equal(pod.automountServiceAccountToken, false);
      assert.equal(pod.enableServiceLinks, false);
      assert.equal(pod.hostNetwork, undefined);
      assert.equal(pod.hostPID, undefined);
      assert.equal(pod.terminationGracePeriodSeconds, 60);
      assert.equal(pod.securityContext?.runAsNonRoot, true);
      assert.equal(pod.securityContext?.runAsUser, 10001);
      assert.equal(pod.securityContext?.runAsGroup, 10001);
      assert.equal(pod.securityContext?.fsGroup, 10001);
      assert.deepEqual(pod.securityContext?.seccompProfile, { type: 'RuntimeDefault' });

      const context = onlyContainer(deployment).securityContext;
      assert.equal(context?.runAsNonRoot, true);
      assert.equal(context?.runAsUser, 10001);
      assert.equal(context?.runAsGroup, 10001);
      assert.equal(context?.readOnlyRootFilesystem, true);
      assert.equal(context?.allowPrivilegeEscalation, false);
      assert.equal(context?.privileged, undefined);
      assert.deepEqual(context?.capabilities, { drop: ['ALL'] });
      assert.deepEqual(context?.seccompProfile, { type: 'RuntimeDefault' });
    });
  }

  for (const [name, port, portNumber] of [
    [serveName, 'http', 8080],
    [workerName, 'metrics', 9090],
  ] as const) {
    it(`${name} probes and resources`, () => {
      const container = onlyContainer(findDeployment(manifests(), name));
      assert.equal(
        container.ports?.find((entry) => entry.name === port)?.containerPort,
        portNumber,
      );
      assert.deepEqual(container.startupProbe, {
        httpGet: { path: '/healthz', port },
        periodSeconds: 5,
        timeoutSeconds: 2,
        failureThreshold: 24,
      });
      assert.deepEqual(container.readinessProbe, {
        httpGet: { path: '/readyz', port },
        periodSeconds: 10,
        timeoutSeconds: 2,
        failureThreshold: 3,
      });
      assert.deepEqual(container.livenessProbe, {
        httpGet: { path: '/healthz', port },
        periodSeconds: 20,
        timeoutSeconds: 3,
        failureThreshold: 3,
      });
      assert.deepEqual(container.resources, {
        requests: { cpu: '250m', memory: '256Mi' },
        limits: { cpu: '2', memory: '1Gi' },
      });
    });
  }

  it('Service selects only serve pods', () => {
    assert.equal(manifests().services.length, 1);
    const service = manifests().services[0];
    const serve = findDeployment(manifests(), serveName);
    const worker = findDeployment(manifests(), workerName);
    assert.deepEqual(service?.spec?.selector, serveLabels);
    assert.equal(selects(service?.spec?.selector, serve.spec?.template.metadata?.labels), true);
    assert.equal(selects(service?.spec?.selector, worker.spec?.template.metadata?.labels), false);
    assert.deepEqual(service?.spec?.ports, [
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
    ]);
    const containerPorts = onlyContainer(serve).ports?.map((entry) => entry.name);
    assert.deepEqual(containerPorts, ['http']);
  });

  it('ServiceMonitor scrapes the Service', () => {
    assert.equal(manifests().serviceMonitors.length, 1);
    const monitor = manifests().serviceMonitors[0];
    const service = manifests().services[0];
    assert.equal(monitor?.metadata?.namespace, undefined);
    assert.deepEqual(monitor?.spec.selector.matchLabels, serveLabels);
    assert.equal(selects(monitor?.spec.selector.matchLabels, service?.metadata?.labels), true);
    assert.deepEqual(monitor?.spec.endpoints, [
      { port: 'http', path: '/metrics', interval: '30s', scrapeTimeout: '10s', honorLabels: true },
    ]);
    const servicePorts = service?.spec?.ports?.map((entry) => entry.name);
    assert.equal(servicePorts?.includes('http'), true);
  });

  it('PodMonitor scrapes the worker pods', () => {
    assert.equal(manifests().podMonitors.length, 1);
    const monitor = manifests().podMonitors[0];
    const worker = findDeployment(manifests(), workerName);
    const serve = findDeployment(manifests(), serveName);
    const podLabels = worker.spec?.template.metadata?.labels;
    assert.equal(selects(monitor?.spec.selector.matchLabels, podLabels), true);
    assert.equal(
      selects(monitor?.spec.selector.matchLabels, serve.spec?.template.metadata?.labels),
      false,
    );
    assert.deepEqual(monitor?.spec.podMetricsEndpoints, [
      {
        port: 'metrics',
        path: '/metrics',
        interval: '30s',
        scrapeTimeout: '10s',
        honorLabels: true,
      },
    ]);
  });

  it('HPA scales the worker Deployment', () => {
    assert.equal(manifests().horizontalPodAutoscalers.length, 1);
    const autoscaler = manifests().horizontalPodAutoscalers[0];
    assert.deepEqual(autoscaler?.spec?.scaleTargetRef, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: findDeployment(manifests(), workerName).metadata?.name,
    });
    assert.equal(autoscaler?.spec?.minReplicas, 2);
    assert.equal(autoscaler?.spec?.maxReplicas, 10);
    assert.deepEqual(autoscaler?.spec?.metrics, [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
      {
        type: 'Resource',
        resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ]);
  });

  it('HPA scales up fast and down slowly', () => {
    const behavior = manifests().horizontalPodAutoscalers[0]?.spec?.behavior;
    assert.deepEqual(behavior?.scaleUp, {
      stabilizationWindowSeconds: 30,
      selectPolicy: 'Max',
      policies: [
        { type: 'Percent', value: 100, periodSeconds: 60 },
        { type: 'Pods', value: 2, periodSeconds: 60 },
      ],
    });
    assert.deepEqual(behavior?.scaleDown, {
      stabilizationWindowSeconds: 300,
      selectPolicy: 'Min',
      policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }],
    });
  });
});

// NOTE: the CLI has no way to parse flags without running the command (main.ts parses at
// import, and `--help` ignores unknown options), so this test starts the real server.
describe('serve container arguments', () => {
  let dir: string;
  let serve: ServeProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-deploy-'));
  });

  after(async () => {
    if (serve?.child.exitCode === null) {
      const child = serve.child;
      child.kill('SIGTERM');
      // A server that does not stop within 10 s is killed, so the file cannot hang here.
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await serve.exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('CLI accepts serve arguments', async () => {
    const documents = await readManifestFile('serve-deployment.yaml');
    const container = onlyContainer(findDeployment(validateManifests(documents), serveName));
    const [command, ...flags] = container.args ?? [];
    assert.equal(command, 'serve');

    const listen = flagValue(flags, '--listen') ?? '';
    const dataDir = flagValue(flags, '--data-dir') ?? '';
    assert.equal(flagValue(flags, '--log-format'), 'json');
    // The real option parser runs below. Here the values of --listen and --data-dir, which the
    // test overrides there, go through the same checks as in `cronmesh serve`.
    const options = {
      listen,
      dataDir,
      logFormat: 'json' as const,
      workerConcurrency: '4',
      dstPolicy: 'cron',
      logLevel: 'info',
      filename: [],
    };
    const settings = parseServeOptions(options);
    assert.equal(settings.host, '0.0.0.0');
    assert.equal(settings.port, 8080);
    assert.equal(settings.dataDir, '/var/lib/cronmesh');
    // Without --auth, serve would exit on the non-loopback address.
    assert.equal(parseAuthFlags({ auth: flags.includes('--auth') }, settings.host, listen), true);

    // The manifest's flags go through the real parser, and the repeated --listen and --data-dir
    // after them win, so the server listens on loopback and writes to a temporary directory.
    const port = await freePort();
    const local = ['--listen', `127.0.0.1:${port}`, '--data-dir', join(dir, 'data')];
    serve = await startServe(join(dir, 'data'), port, [...flags, ...local]);
    const listening = serve
      .output()
      .split('\n')
      .find((line) => line.includes('cronmesh API listening'));
    assert.notEqual(listening, undefined, `listening line in ${serve.output()}`);
    const record = JSON.parse(listening ?? '') as { url: string; dataDir: string };
    assert.equal(record.url, `http://127.0.0.1:${port}`);
    assert.equal(record.dataDir, join(dir, 'data'));
  });
});
