/**
 * Input of the sandbox for one container, from the worker: its effective securityContext, the
 * volumes to mount and the pod-level namespace options. Field paths name the manifest fields,
 * so an error can name the field cronmesh cannot honour.
 */
import type { EffectiveSecurityContext } from '../../api/security-context.js';

/** Isolation of containers: inside bubblewrap, or as plain host processes. */
export type SandboxMode = 'bubblewrap' | 'none';

/** One volume mounted into the container. */
export interface SandboxMount {
  /** Host path of the volume's directory, or of the subPath inside it. */
  source: string;
  /** Host directory of the whole volume; `source` must resolve inside it. */
  volumeRoot: string;
  /** Absolute path inside the sandbox (the volumeMount's mountPath). */
  target: string;
  readOnly: boolean;
  /** Field path of the volumeMount, e.g. `spec.containers[0].volumeMounts[1]`. */
  field: string;
}

export interface SandboxSettings {
  /** Field path of the pod spec, `spec`. */
  podField: string;
  /** Field path of the container, e.g. `spec.containers[0]`. */
  field: string;
  /** The pod as kubelet names it in messages: `name_namespace(uid)`. */
  podDescription: string;
  security: EffectiveSecurityContext;
  mounts: SandboxMount[];
  /**
   * Working directory inside the sandbox. The worker moves `workingDir` here in bubblewrap
   * mode, because the directory may exist only as a mount inside the sandbox.
   */
  workingDir?: string;
  /** Host name inside the sandbox's UTS namespace; unset shares the host's. */
  hostname?: string;
  hostPID: boolean;
  hostIPC: boolean;
  shareProcessNamespace: boolean;
}
