import type { Container, ContainerStatus, PodSpec, PodTemplateSpec } from '../../api/types.js';
import type { DescribeWriter } from './describe-writer.js';
import { formatRfc1123z, writeAnnotations, writeLabels } from './describe-writer.js';

/** Writes the `Pod Template:` section of kubectl describe for Jobs and CronJobs. */
export function writePodTemplate(writer: DescribeWriter, template: PodTemplateSpec): void {
  writer.line(0, 'Pod Template:');
  writeLabels(writer, 1, 'Labels', template.metadata?.labels);
  const annotations = template.metadata?.annotations;
  if (annotations !== undefined && Object.keys(annotations).length > 0) {
    writeAnnotations(writer, 1, 'Annotations', annotations);
  }
  const spec = template.spec;
  if (spec.serviceAccountName !== undefined) {
    writer.line(1, `Service Account:\t${spec.serviceAccountName}`);
  }
  if ((spec.initContainers ?? []).length > 0) {
    writeContainers(writer, 1, 'Init Containers', spec.initContainers ?? [], []);
  }
  writeContainers(writer, 1, 'Containers', spec.containers, []);
  writeVolumes(writer, 1, spec);
  if (typeof spec.priorityClassName === 'string') {
    writer.line(1, `Priority Class Name:\t${spec.priorityClassName}`);
  }
  writeLabels(writer, 1, 'Node-Selectors', spec.nodeSelector);
}

/** Writes a `Containers:` section, with each container's state when statuses are given. */
export function writeContainers(
  writer: DescribeWriter,
  level: number,
  title: string,
  containers: readonly Container[],
  statuses: readonly ContainerStatus[],
): void {
  writer.line(level, `${title}:`);
  for (const container of containers) {
    writer.line(level + 1, `${container.name}:`);
    const inner = level + 2;
    writer.line(inner, `Image:\t${container.image ?? ''}`);
    writePorts(writer, inner, container);
    writeStringList(writer, inner, 'Command', container.command);
    writeStringList(writer, inner, 'Args', container.args);
    if (container.workingDir !== undefined)
      writer.line(inner, `Working Dir:\t${container.workingDir}`);

    const status = statuses.find((candidate) => candidate.name === container.name);
    if (status !== undefined) writeContainerStatus(writer, inner, status);

    writeResources(writer, inner, container);
    writeEnvironment(writer, inner, container);
    const mounts = (container.volumeMounts ?? []) as {
      name?: string;
      mountPath?: string;
      readOnly?: boolean;
    }[];
    if (mounts.length === 0) {
      writer.line(inner, 'Mounts:\t<none>');
    } else {
      writer.line(inner, 'Mounts:');
      for (const mount of mounts) {
        const mode = mount.readOnly === true ? 'ro' : 'rw';
        writer.line(inner + 1, `${mount.mountPath ?? ''} from ${mount.name ?? ''} (${mode})`);
      }
    }
  }
}

function writePorts(writer: DescribeWriter, level: number, container: Container): void {
  const ports = (container.ports ?? []) as {
    containerPort?: number;
    protocol?: string;
    hostPort?: number;
  }[];
  if (ports.length === 0) {
    writer.line(level, 'Port:\t<none>');
    writer.line(level, 'Host Port:\t<none>');
    return;
  }
  const format = (port: number | undefined, protocol: string | undefined): string =>
    `${port ?? 0}/${protocol ?? 'TCP'}`;
  const label = ports.length === 1 ? 'Port' : 'Ports';
  writer.line(
    level,
    `${label}:\t${ports.map((port) => format(port.containerPort, port.protocol)).join(', ')}`,
  );
  const hostLabel = ports.length === 1 ? 'Host Port' : 'Host Ports';
  writer.line(
    level,
    `${hostLabel}:\t${ports.map((port) => format(port.hostPort, port.protocol)).join(', ')}`,
  );
}

function writeStringList(
  writer: DescribeWriter,
  level: number,
  title: string,
  values: readonly string[] | undefined,
): void {
  if (values === undefined || values.length === 0) return;
  writer.line(level, `${title}:`);
  for (const value of values) {
    for (const part of value.split('\n')) writer.line(level + 1, part);
  }
}

function writeResources(writer: DescribeWriter, level: number, container: Container): void {
  for (const [title, values] of [
    ['Limits', container.resources?.limits],
    ['Requests', container.resources?.requests],
  ] as const) {
    const names = Object.keys(values ?? {}).sort();
    if (names.length === 0) continue;
    writer.line(level, `${title}:`);
    for (const name of names) writer.line(level + 1, `${name}:\t${String(values?.[name])}`);
  }
}

function writeEnvironment(writer: DescribeWriter, level: number, container: Container): void {
  const sources = container.envFrom ?? [];
  if (sources.length > 0) {
    writer.line(level, 'Environment Variables from:');
    for (const source of sources) {
      const ref = source.configMapRef ?? source.secretRef;
      const kind = source.configMapRef !== undefined ? 'ConfigMap' : 'Secret';
      const optional = String(ref?.optional ?? false);
      writer.line(level + 1, `${ref?.name ?? ''}\t${kind}\tOptional: ${optional}`);
    }
  }

  const env = container.env ?? [];
  if (env.length === 0) {
    writer.line(level, 'Environment:\t<none>');
    return;
  }
  writer.line(level, 'Environment:');
  for (const variable of env) {
    writer.line(level + 1, `${variable.name}:\t${describeEnvValue(variable)}`);
  }
}

function describeEnvValue(variable: NonNullable<Container['env']>[number]): string {
  if (variable.value !== undefined) return variable.value;
  const from = variable.valueFrom;
  if (from?.configMapKeyRef !== undefined) {
    const ref = from.configMapKeyRef;
    return `<set to the key '${ref.key}' of config map '${ref.name}'>\tOptional: ${String(ref.optional ?? false)}`;
  }
  if (from?.secretKeyRef !== undefined) {
    const ref = from.secretKeyRef;
    return `<set to the key '${ref.key}' in secret '${ref.name}'>\tOptional: ${String(ref.optional ?? false)}`;
  }
  if (from?.fieldRef !== undefined) {
    return ` (${from.fieldRef.apiVersion ?? 'v1'}:${from.fieldRef.fieldPath})`;
  }
  if (from?.resourceFieldRef !== undefined) return `${from.resourceFieldRef.resource}`;
  return '';
}

/** State, Last State, Ready and Restart Count of one container, as for a Pod. */
function writeContainerStatus(
  writer: DescribeWriter,
  level: number,
  status: ContainerStatus,
): void {
  writeState(writer, level, 'State', status.state);
  if (status.lastState !== undefined && Object.keys(status.lastState).length > 0) {
    writeState(writer, level, 'Last State', status.lastState);
  }
  writer.line(level, `Ready:\t${status.ready === true ? 'True' : 'False'}`);
  writer.line(level, `Restart Count:\t${status.restartCount}`);
}

function writeState(
  writer: DescribeWriter,
  level: number,
  title: string,
  state: ContainerStatus['state'],
): void {
  if (state?.running !== undefined) {
    writer.line(level, `${title}:\tRunning`);
    writer.line(level + 1, `Started:\t${formatRfc1123z(state.running.startedAt)}`);
  } else if (state?.waiting !== undefined) {
    writer.line(level, `${title}:\tWaiting`);
    if (state.waiting.reason !== undefined)
      writer.line(level + 1, `Reason:\t${state.waiting.reason}`);
  } else if (state?.terminated !== undefined) {
    const terminated = state.terminated;
    writer.line(level, `${title}:\tTerminated`);
    if (terminated.reason !== undefined) writer.line(level + 1, `Reason:\t${terminated.reason}`);
    if (terminated.message !== undefined) writer.line(level + 1, `Message:\t${terminated.message}`);
    writer.line(level + 1, `Exit Code:\t${terminated.exitCode}`);
    if (terminated.signal !== undefined && terminated.signal > 0) {
      writer.line(level + 1, `Signal:\t${terminated.signal}`);
    }
    if (terminated.startedAt !== undefined) {
      writer.line(level + 1, `Started:\t${formatRfc1123z(terminated.startedAt)}`);
    }
    if (terminated.finishedAt !== undefined) {
      writer.line(level + 1, `Finished:\t${formatRfc1123z(terminated.finishedAt)}`);
    }
  } else {
    writer.line(level, `${title}:\tWaiting`);
  }
}

interface VolumeSummary {
  name?: string;
  configMap?: { name?: string };
  secret?: { secretName?: string };
  emptyDir?: { medium?: string };
}

export function writeVolumes(writer: DescribeWriter, level: number, spec: PodSpec): void {
  const volumes = (Array.isArray(spec.volumes) ? spec.volumes : []) as VolumeSummary[];
  if (volumes.length === 0) {
    writer.line(level, 'Volumes:\t<none>');
    return;
  }
  writer.line(level, 'Volumes:');
  for (const volume of volumes) {
    writer.line(level + 1, `${volume.name ?? ''}:`);
    if (volume.configMap !== undefined) {
      writer.line(level + 2, 'Type:\tConfigMap (a volume populated by a ConfigMap)');
      writer.line(level + 2, `Name:\t${volume.configMap.name ?? ''}`);
    } else if (volume.secret !== undefined) {
      writer.line(level + 2, 'Type:\tSecret (a volume populated by a Secret)');
      writer.line(level + 2, `SecretName:\t${volume.secret.secretName ?? ''}`);
    } else if (volume.emptyDir !== undefined) {
      writer.line(
        level + 2,
        "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)",
      );
      writer.line(level + 2, `Medium:\t${volume.emptyDir.medium ?? ''}`);
    } else {
      const type = Object.keys(volume).find((key) => key !== 'name') ?? 'unknown';
      writer.line(level + 2, `Type:\t${type}`);
    }
  }
}
