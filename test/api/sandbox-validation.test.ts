import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../src/api/field-error.js';
import { mergeSecurityContext } from '../../src/api/security-context.js';
import { validateResource } from '../../src/api/validate.js';
import type { Container, Job, PodSpec } from '../../src/api/types.js';
import { job } from './helpers.js';

const pod = 'spec.template.spec';

function messagesFor(change: (spec: PodSpec, container: Container) => void): string[] {
  const resource: Job = job();
  const spec = resource.spec.template.spec;
  const [container] = spec.containers;
  assert.ok(container !== undefined);
  change(spec, container);
  return validateResource(resource, { operation: 'create' }).map(formatFieldError);
}

void describe('securityContext validation', () => {
  void it('accepts the restricted profile fields', () => {
    const messages = messagesFor((spec, container) => {
      spec.securityContext = {
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        fsGroup: 10001,
        supplementalGroups: [5],
        fsGroupChangePolicy: 'OnRootMismatch',
        supplementalGroupsPolicy: 'Strict',
      };
      container.securityContext = {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'cap_chown'] },
        seccompProfile: { type: 'RuntimeDefault' },
      };
    });
    assert.deepEqual(messages, []);
  });

  void it('rejects ids outside the int32 range', () => {
    const messages = messagesFor((spec, container) => {
      spec.securityContext = { runAsUser: -1, fsGroup: 2_147_483_648, supplementalGroups: [-2] };
      container.securityContext = { runAsGroup: -5 };
    });
    assert.deepEqual(messages, [
      `${pod}.containers[0].securityContext.runAsGroup: Invalid value: -5: must be between 0 and 2147483647, inclusive`,
      `${pod}.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive`,
      `${pod}.securityContext.fsGroup: Invalid value: 2147483648: must be between 0 and 2147483647, inclusive`,
      `${pod}.securityContext.supplementalGroups[0]: Invalid value: -2: must be between 0 and 2147483647, inclusive`,
    ]);
  });

  void it('rejects unknown capability names', () => {
    const messages = messagesFor((_spec, container) => {
      container.securityContext = { capabilities: { add: ['NET_ADMIN', 'SUPERPOWER'] } };
    });
    assert.deepEqual(messages, [
      `${pod}.containers[0].securityContext.capabilities.add[1]: Invalid value: "SUPERPOWER": must be ALL or a Linux capability name, such as NET_BIND_SERVICE or CAP_NET_BIND_SERVICE`,
    ]);
  });

  void it('rejects fields no local process can honour', () => {
    const messages = messagesFor((spec, container) => {
      spec.securityContext = {
        seLinuxOptions: { level: 's0:c1' },
        seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/audit.json' },
        sysctls: [{ name: 'net.core.somaxconn', value: '1024' }],
      };
      spec.hostUsers = false;
      container.securityContext = {
        privileged: true,
        procMount: 'Unmasked',
        windowsOptions: { runAsUserName: 'x' },
        appArmorProfile: { type: 'Localhost', localhostProfile: 'p' },
      };
    });
    const container = `${pod}.containers[0].securityContext`;
    assert.deepEqual(messages, [
      `${container}.windowsOptions: Forbidden: cronmesh runs Linux processes only`,
      `${container}.appArmorProfile.type: Forbidden: cronmesh has no store of Localhost profiles; use Unconfined or remove the profile`,
      `${container}.privileged: Forbidden: cronmesh cannot run a privileged container: it never gives a job all host devices and capabilities`,
      `${container}.procMount: Forbidden: cronmesh supports only the Default /proc mount`,
      `${pod}.securityContext.seLinuxOptions: Forbidden: cronmesh cannot apply SELinux labels to a job; remove the field`,
      `${pod}.securityContext.seccompProfile.type: Forbidden: cronmesh has no store of Localhost profiles; use RuntimeDefault or Unconfined, or remove the profile`,
      `${pod}.securityContext.sysctls: Forbidden: cronmesh runs jobs as host processes and cannot set sysctls for one job; remove the field`,
      `${pod}.hostUsers: Forbidden: cronmesh cannot run a job in a user namespace`,
    ]);
  });

  void it('rejects privilege escalation with CAP_SYS_ADMIN', () => {
    const messages = messagesFor((_spec, container) => {
      container.securityContext = {
        allowPrivilegeEscalation: false,
        capabilities: { add: ['SYS_ADMIN'] },
      };
    });
    assert.deepEqual(messages, [
      `${pod}.containers[0].securityContext: Invalid value: {"allowPrivilegeEscalation":false,"capabilities":{"add":["SYS_ADMIN"]}}: cannot set \`allowPrivilegeEscalation\` to false and \`capabilities.Add\` CAP_SYS_ADMIN`,
    ]);
  });
});

void describe('volume validation', () => {
  void it('rejects volume types cronmesh cannot set up', () => {
    const messages = messagesFor((spec) => {
      spec.volumes = [
        { name: 'a', hostPath: { path: '/var/lib' } },
        { name: 'b', persistentVolumeClaim: { claimName: 'data' } },
        { name: 'c', emptyDir: { medium: 'HugePages' } },
      ];
    });
    assert.deepEqual(messages, [
      `${pod}.volumes[0].hostPath: Forbidden: cronmesh supports only emptyDir, configMap, secret volumes on a local host`,
      `${pod}.volumes[1].persistentVolumeClaim: Forbidden: cronmesh supports only emptyDir, configMap, secret volumes on a local host`,
      `${pod}.volumes[2].emptyDir.medium: Unsupported value: "HugePages": supported values: "", "Memory"`,
    ]);
  });

  void it('rejects item paths that leave the volume', () => {
    const messages = messagesFor((spec) => {
      spec.volumes = [
        {
          name: 'config',
          configMap: {
            name: 'settings',
            items: [
              { key: 'a', path: '../../etc/passwd' },
              { key: 'b', path: '/etc/shadow' },
              { key: 'c', path: 'nested/../../x' },
              { key: 'd', path: '..data/x' },
              { key: 'e', path: 'line\nbreak' },
              { key: 'f', path: 'nul\u0000byte' },
              { key: 'g', path: 'conf/app.yaml' },
            ],
          },
        },
        {
          name: 'creds',
          secret: { secretName: 'creds', items: [{ key: 'token', path: '/token' }] },
        },
      ];
    });
    const items = `${pod}.volumes[0].configMap.items`;
    assert.deepEqual(messages, [
      `${items}[0].path: Invalid value: "../../etc/passwd": must not contain '..'`,
      `${items}[1].path: Invalid value: "/etc/shadow": must be a relative path`,
      `${items}[2].path: Invalid value: "nested/../../x": must not contain '..'`,
      `${items}[3].path: Invalid value: "..data/x": must not start with '..'`,
      `${items}[4].path: Invalid value: "line\\nbreak": must not contain control characters`,
      `${items}[5].path: Invalid value: "nul\\u0000byte": must not contain control characters`,
      `${pod}.volumes[1].secret.items[0].path: Invalid value: "/token": must be a relative path`,
    ]);
  });

  void it('checks mount paths and options', () => {
    const messages = messagesFor((spec, container) => {
      spec.volumes = [{ name: 'data', emptyDir: {} }];
      container.volumeMounts = [
        { name: 'data', mountPath: 'relative/dir' },
        { name: 'data', mountPath: '/a', subPath: 'x', subPathExpr: '$(POD)' },
        { name: 'data', mountPath: '/b', mountPropagation: 'Bidirectional' },
        { name: 'data', mountPath: '/c', recursiveReadOnly: 'Enabled' },
      ];
    });
    const mounts = `${pod}.containers[0].volumeMounts`;
    assert.deepEqual(messages, [
      `${mounts}[0].mountPath: Invalid value: "relative/dir": must be an absolute path`,
      `${mounts}[1].subPathExpr: Invalid value: "$(POD)": subPathExpr and subPath are mutually exclusive`,
      `${mounts}[2].mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers`,
      `${mounts}[3].recursiveReadOnly: Forbidden: may only be specified when readOnly is true`,
    ]);
  });
});

void describe('securityContext merge', () => {
  void it('container fields win over pod fields', () => {
    const merged = mergeSecurityContext(
      {
        runAsUser: 1000,
        runAsGroup: 2000,
        runAsNonRoot: true,
        fsGroup: 3000,
        supplementalGroups: [4000],
        seccompProfile: { type: 'RuntimeDefault' },
      },
      { runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: true },
      'spec.securityContext',
      'spec.containers[0].securityContext',
    );
    assert.equal(merged.runAsUser, 0);
    assert.equal(merged.runAsGroup, 2000);
    assert.equal(merged.runAsNonRoot, false);
    assert.equal(merged.readOnlyRootFilesystem, true);
    assert.equal(merged.fsGroup, 3000);
    assert.deepEqual(merged.supplementalGroups, [4000]);
    assert.deepEqual(merged.seccompProfile, { type: 'RuntimeDefault' });
    assert.deepEqual(merged.sources, {
      runAsUser: 'spec.containers[0].securityContext.runAsUser',
      runAsGroup: 'spec.securityContext.runAsGroup',
      runAsNonRoot: 'spec.containers[0].securityContext.runAsNonRoot',
      seccompProfile: 'spec.securityContext.seccompProfile',
    });
  });

  void it('pod-only fields never come from the container', () => {
    const merged = mergeSecurityContext(
      undefined,
      { fsGroup: 7 } as never,
      'spec.securityContext',
      'spec.containers[0].securityContext',
    );
    assert.equal(merged.fsGroup, undefined);
  });
});
