import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';

/** The directory of the Kubernetes manifests, seen from dist/test/deploy. */
export const manifestDirectory = fileURLToPath(
  new URL('../../../deploy/kubernetes/', import.meta.url),
);

/** The Grafana dashboard, seen from dist/test/deploy. */
export const dashboardPath = fileURLToPath(
  new URL('../../../deploy/grafana/cronmesh-dashboard.json', import.meta.url),
);

/** The kustomize file: it lists manifests but is no Kubernetes object, so it is checked apart. */
export const kustomizationFile = 'kustomization.yaml';

/** One YAML document of a manifest file. */
export interface ManifestDocument {
  file: string;
  /** Position of the document in its file, from 0. */
  index: number;
  value: unknown;
}

/** Objects of the manifests, typed by the kubernetes-models class that validated them. */
export interface ManifestObjects {
  deployments: Deployment[];
  services: Service[];
  persistentVolumeClaims: PersistentVolumeClaim[];
  horizontalPodAutoscalers: HorizontalPodAutoscaler[];
  serviceMonitors: ServiceMonitor[];
  podMonitors: PodMonitor[];
}

/**
 * Validators by `apiVersion/kind`. Each builds the model and runs its JSON schema check, which
 * throws an error that names the field. The schemas accept unknown fields, so a misspelled
 * optional field passes here and is caught only by the field assertions of the tests.
 */
const validators: Record<string, (value: unknown, objects: ManifestObjects) => void> = {
  'apps/v1/Deployment': (value, objects) => {
    const model = new Deployment(value as ConstructorParameters<typeof Deployment>[0]);
    model.validate();
    objects.deployments.push(model);
  },
  'v1/Service': (value, objects) => {
    const model = new Service(value as ConstructorParameters<typeof Service>[0]);
    model.validate();
    objects.services.push(model);
  },
  'v1/PersistentVolumeClaim': (value, objects) => {
    const model = new PersistentVolumeClaim(
      value as ConstructorParameters<typeof PersistentVolumeClaim>[0],
    );
    model.validate();
    objects.persistentVolumeClaims.push(model);
  },
  'autoscaling/v2/HorizontalPodAutoscaler': (value, objects) => {
    const model = new HorizontalPodAutoscaler(
      value as ConstructorParameters<typeof HorizontalPodAutoscaler>[0],
    );
    model.validate();
    objects.horizontalPodAutoscalers.push(model);
  },
  'monitoring.coreos.com/v1/ServiceMonitor': (value, objects) => {
    const model = new ServiceMonitor(value as ConstructorParameters<typeof ServiceMonitor>[0]);
    model.validate();
    objects.serviceMonitors.push(model);
  },
  'monitoring.coreos.com/v1/PodMonitor': (value, objects) => {
    const model = new PodMonitor(value as ConstructorParameters<typeof PodMonitor>[0]);
    model.validate();
    objects.podMonitors.push(model);
  },
};

/** Lists the `.yaml` and `.yml` files of the manifest directory, sorted. */
export async function listManifestFiles(): Promise<string[]> {
  const entries = await readdir(manifestDirectory, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

/**
 * Parses every document of `file`. Throws on a YAML syntax error, naming the file and line,
 * and on a file without documents.
 */
export async function readManifestFile(file: string): Promise<ManifestDocument[]> {
  const text = await readFile(`${manifestDirectory}${file}`, 'utf8');
  const documents = parseAllDocuments(text, { prettyErrors: true });
  if (documents.length === 0) throw new Error(`${file}: no YAML document`);

  return documents.map((document, index) => {
    const error = document.errors[0];
    if (error !== undefined) throw new Error(`${file}: invalid YAML: ${error.message}`);
    return { file, index, value: document.toJS() as unknown };
  });
}

/**
 * Validates each document with the kubernetes-models class of its apiVersion and kind and
 * returns the models. Throws for an empty document, a kind without a validator, or an
 * invalid object, naming the file and the document.
 */
export function validateManifests(documents: ManifestDocument[]): ManifestObjects {
  const objects: ManifestObjects = {
    deployments: [],
    services: [],
    persistentVolumeClaims: [],
    horizontalPodAutoscalers: [],
    serviceMonitors: [],
    podMonitors: [],
  };

  for (const { file, index, value } of documents) {
    const where = `${file} document ${index}`;
    if (typeof value !== 'object' || value === null) {
      throw new Error(`${where}: expected a Kubernetes object, found ${JSON.stringify(value)}`);
    }
    const { apiVersion, kind } = value as { apiVersion?: unknown; kind?: unknown };
    const key = `${String(apiVersion)}/${String(kind)}`;
    const validate = validators[key];
    if (validate === undefined) {
      throw new Error(
        `${where}: no validator for apiVersion ${String(apiVersion)} kind ${String(kind)}. Known kinds: ${Object.keys(validators).join(', ')}`,
      );
    }
    try {
      validate(value, objects);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${where} (${key}) is invalid: ${message}`);
    }
  }
  return objects;
}
