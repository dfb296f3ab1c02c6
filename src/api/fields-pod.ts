/**
 * Known fields of core/v1 PodSpec and Container, after the Kubernetes API reference (v1.33/1.34).
 * Volume sources cronmesh will never touch (cloud disks, legacy plugins) are typed as any object.
 */
import {
  anyObject,
  bool,
  int32,
  int64,
  intOrString,
  listOf,
  mapOf,
  quantity,
  str,
  stringList,
  stringMap,
  struct,
} from './schema.js';

const labelSelectorRequirement = struct({ key: str, operator: str, values: stringList });

export const labelSelectorSchema = struct({
  matchLabels: stringMap,
  matchExpressions: listOf(labelSelectorRequirement),
});

const localObjectReference = struct({ name: str });
const keySelector = struct({ name: str, key: str, optional: bool });
const objectFieldSelector = struct({ apiVersion: str, fieldPath: str });
const resourceFieldSelector = struct({ containerName: str, resource: str, divisor: quantity });
const keyToPath = struct({ key: str, path: str, mode: int32 });

const envVar = struct({
  name: str,
  value: str,
  valueFrom: struct({
    configMapKeyRef: keySelector,
    secretKeyRef: keySelector,
    fieldRef: objectFieldSelector,
    resourceFieldRef: resourceFieldSelector,
    fileKeyRef: struct({ volumeName: str, path: str, key: str, optional: bool }),
  }),
});

const envFromSource = struct({
  prefix: str,
  configMapRef: struct({ name: str, optional: bool }),
  secretRef: struct({ name: str, optional: bool }),
});

const execAction = struct({ command: stringList });
const httpGetAction = struct({
  path: str,
  port: intOrString,
  host: str,
  scheme: str,
  httpHeaders: listOf(struct({ name: str, value: str })),
});
const tcpSocketAction = struct({ port: intOrString, host: str });
const grpcAction = struct({ port: int32, service: str });

const probe = struct({
  exec: execAction,
  httpGet: httpGetAction,
  tcpSocket: tcpSocketAction,
  grpc: grpcAction,
  initialDelaySeconds: int32,
  timeoutSeconds: int32,
  periodSeconds: int32,
  successThreshold: int32,
  failureThreshold: int32,
  terminationGracePeriodSeconds: int64,
});

const lifecycleHandler = struct({
  exec: execAction,
  httpGet: httpGetAction,
  tcpSocket: tcpSocketAction,
  sleep: struct({ seconds: int64 }),
});

const seLinuxOptions = struct({ user: str, role: str, type: str, level: str });
const windowsOptions = struct({
  gmsaCredentialSpecName: str,
  gmsaCredentialSpec: str,
  runAsUserName: str,
  hostProcess: bool,
});
const profile = struct({ type: str, localhostProfile: str });

const containerSecurityContext = struct({
  capabilities: struct({ add: stringList, drop: stringList }),
  privileged: bool,
  seLinuxOptions,
  windowsOptions,
  runAsUser: int64,
  runAsGroup: int64,
  runAsNonRoot: bool,
  readOnlyRootFilesystem: bool,
  allowPrivilegeEscalation: bool,
  procMount: str,
  seccompProfile: profile,
  appArmorProfile: profile,
});

const podSecurityContext = struct({
  seLinuxOptions,
  windowsOptions,
  runAsUser: int64,
  runAsGroup: int64,
  runAsNonRoot: bool,
  supplementalGroups: listOf(int64),
  supplementalGroupsPolicy: str,
  fsGroup: int64,
  fsGroupChangePolicy: str,
  sysctls: listOf(struct({ name: str, value: str })),
  seccompProfile: profile,
  appArmorProfile: profile,
  seLinuxChangePolicy: str,
});

export const resourceRequirementsSchema = struct({
  limits: mapOf(quantity),
  requests: mapOf(quantity),
  claims: listOf(struct({ name: str, request: str })),
});

const containerFields = {
  name: str,
  image: str,
  command: stringList,
  args: stringList,
  workingDir: str,
  ports: listOf(
    struct({ name: str, hostPort: int32, containerPort: int32, protocol: str, hostIP: str }),
  ),
  envFrom: listOf(envFromSource),
  env: listOf(envVar),
  resources: resourceRequirementsSchema,
  resizePolicy: listOf(struct({ resourceName: str, restartPolicy: str })),
  restartPolicy: str,
  restartPolicyRules: listOf(
    struct({ action: str, exitCodes: struct({ operator: str, values: listOf(int32) }) }),
  ),
  volumeMounts: listOf(
    struct({
      name: str,
      readOnly: bool,
      recursiveReadOnly: str,
      mountPath: str,
      subPath: str,
      mountPropagation: str,
      subPathExpr: str,
    }),
  ),
  volumeDevices: listOf(struct({ name: str, devicePath: str })),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  lifecycle: struct({ postStart: lifecycleHandler, preStop: lifecycleHandler, stopSignal: str }),
  terminationMessagePath: str,
  terminationMessagePolicy: str,
  imagePullPolicy: str,
  securityContext: containerSecurityContext,
  stdin: bool,
  stdinOnce: bool,
  tty: bool,
};

export const containerSchema = struct(containerFields);
const ephemeralContainer = struct({ ...containerFields, targetContainerName: str });

const downwardApiFile = struct({
  path: str,
  fieldRef: objectFieldSelector,
  resourceFieldRef: resourceFieldSelector,
  mode: int32,
});

const configMapProjection = struct({ name: str, items: listOf(keyToPath), optional: bool });
const secretProjection = struct({ name: str, items: listOf(keyToPath), optional: bool });

const volume = struct({
  name: str,
  configMap: struct({ name: str, items: listOf(keyToPath), defaultMode: int32, optional: bool }),
  secret: struct({ secretName: str, items: listOf(keyToPath), defaultMode: int32, optional: bool }),
  emptyDir: struct({ medium: str, sizeLimit: quantity }),
  hostPath: struct({ path: str, type: str }),
  persistentVolumeClaim: struct({ claimName: str, readOnly: bool }),
  projected: struct({
    defaultMode: int32,
    sources: listOf(
      struct({
        configMap: configMapProjection,
        secret: secretProjection,
        downwardAPI: struct({ items: listOf(downwardApiFile) }),
        serviceAccountToken: struct({ audience: str, expirationSeconds: int64, path: str }),
        clusterTrustBundle: anyObject,
        podCertificate: anyObject,
      }),
    ),
  }),
  downwardAPI: struct({ items: listOf(downwardApiFile), defaultMode: int32 }),
  csi: struct({
    driver: str,
    readOnly: bool,
    fsType: str,
    volumeAttributes: stringMap,
    nodePublishSecretRef: localObjectReference,
  }),
  ephemeral: struct({ volumeClaimTemplate: anyObject }),
  nfs: struct({ server: str, path: str, readOnly: bool }),
  image: struct({ reference: str, pullPolicy: str }),
  awsElasticBlockStore: anyObject,
  azureDisk: anyObject,
  azureFile: anyObject,
  cephfs: anyObject,
  cinder: anyObject,
  fc: anyObject,
  flexVolume: anyObject,
  flocker: anyObject,
  gcePersistentDisk: anyObject,
  gitRepo: anyObject,
  glusterfs: anyObject,
  iscsi: anyObject,
  photonPersistentDisk: anyObject,
  portworxVolume: anyObject,
  quobyte: anyObject,
  rbd: anyObject,
  scaleIO: anyObject,
  storageos: anyObject,
  vsphereVolume: anyObject,
});

const nodeSelectorRequirement = struct({ key: str, operator: str, values: stringList });
const nodeSelectorTerm = struct({
  matchExpressions: listOf(nodeSelectorRequirement),
  matchFields: listOf(nodeSelectorRequirement),
});
const podAffinityTerm = struct({
  labelSelector: labelSelectorSchema,
  namespaceSelector: labelSelectorSchema,
  namespaces: stringList,
  topologyKey: str,
  matchLabelKeys: stringList,
  mismatchLabelKeys: stringList,
});
const podAffinity = struct({
  requiredDuringSchedulingIgnoredDuringExecution: listOf(podAffinityTerm),
  preferredDuringSchedulingIgnoredDuringExecution: listOf(
    struct({ weight: int32, podAffinityTerm }),
  ),
});

const affinity = struct({
  nodeAffinity: struct({
    requiredDuringSchedulingIgnoredDuringExecution: struct({
      nodeSelectorTerms: listOf(nodeSelectorTerm),
    }),
    preferredDuringSchedulingIgnoredDuringExecution: listOf(
      struct({ weight: int32, preference: nodeSelectorTerm }),
    ),
  }),
  podAffinity,
  podAntiAffinity: podAffinity,
});

const toleration = struct({
  key: str,
  operator: str,
  value: str,
  effect: str,
  tolerationSeconds: int64,
});

const topologySpreadConstraint = struct({
  maxSkew: int32,
  topologyKey: str,
  whenUnsatisfiable: str,
  labelSelector: labelSelectorSchema,
  minDomains: int32,
  nodeAffinityPolicy: str,
  nodeTaintsPolicy: str,
  matchLabelKeys: stringList,
});

export const podSpecSchema = struct({
  volumes: listOf(volume),
  initContainers: listOf(containerSchema),
  containers: listOf(containerSchema),
  ephemeralContainers: listOf(ephemeralContainer),
  restartPolicy: str,
  terminationGracePeriodSeconds: int64,
  activeDeadlineSeconds: int64,
  dnsPolicy: str,
  nodeSelector: stringMap,
  serviceAccountName: str,
  serviceAccount: str,
  automountServiceAccountToken: bool,
  nodeName: str,
  hostNetwork: bool,
  hostPID: bool,
  hostIPC: bool,
  shareProcessNamespace: bool,
  securityContext: podSecurityContext,
  imagePullSecrets: listOf(localObjectReference),
  hostname: str,
  hostnameOverride: str,
  subdomain: str,
  affinity,
  schedulerName: str,
  tolerations: listOf(toleration),
  hostAliases: listOf(struct({ ip: str, hostnames: stringList })),
  priorityClassName: str,
  priority: int32,
  dnsConfig: struct({
    nameservers: stringList,
    searches: stringList,
    options: listOf(struct({ name: str, value: str })),
  }),
  readinessGates: listOf(struct({ conditionType: str })),
  runtimeClassName: str,
  enableServiceLinks: bool,
  preemptionPolicy: str,
  overhead: mapOf(quantity),
  topologySpreadConstraints: listOf(topologySpreadConstraint),
  setHostnameAsFQDN: bool,
  os: struct({ name: str }),
  hostUsers: bool,
  schedulingGates: listOf(struct({ name: str })),
  resourceClaims: listOf(
    struct({ name: str, resourceClaimName: str, resourceClaimTemplateName: str }),
  ),
  resources: resourceRequirementsSchema,
});
