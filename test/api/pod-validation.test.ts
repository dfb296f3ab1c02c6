import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../src/api/field-error.js';
import { validateResource } from '../../src/api/validate.js';
import type { Container, Job, PodSpec } from '../../src/api/types.js';
import { cronJob, job } from './helpers.js';

const pod = 'spec.template.spec';

function messagesFor(change: (spec: PodSpec, container: Container) => void): string[] {
  const resource: Job = job();
  const spec = resource.spec.template.spec;
  const [container] = spec.containers;
  assert.ok(container !== undefined);
  change(spec, container);
  return validateResource(resource, { operation: 'create' }).map(formatFieldError);
}

void describe('container validation', () => {
  void it('rejects duplicate container names', () => {
    const messages = messagesFor((spec) => {
      spec.initContainers = [{ name: 'pi', image: 'busybox' }];
    });
    assert.deepEqual(messages, [`${pod}.containers[0].name: Duplicate value: "pi"`]);
  });

  void it('rejects an unsupported imagePullPolicy', () => {
    const messages = messagesFor((_spec, container) => {
      container.imagePullPolicy = 'Sometimes';
    });
    assert.deepEqual(messages, [
      `${pod}.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"`,
    ]);
  });

  void it('checks container ports', () => {
    const messages = messagesFor((_spec, container) => {
      container.ports = [
        { name: 'http', containerPort: 70000 },
        { name: 'http', containerPort: 80, protocol: 'HTTP' },
        { name: 'Metrics_Port' },
      ];
    });
    assert.deepEqual(messages, [
      `${pod}.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive`,
      `${pod}.containers[0].ports[1].name: Duplicate value: "http"`,
      `${pod}.containers[0].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"`,
      `${pod}.containers[0].ports[2].name: Invalid value: "Metrics_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)`,
      `${pod}.containers[0].ports[2].containerPort: Required value`,
    ]);
  });

  void it('checks env sources', () => {
    const messages = messagesFor((_spec, container) => {
      container.env = [
        { name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'B', valueFrom: {} },
        { name: 'C', valueFrom: { fieldRef: { fieldPath: 'spec.host' } } },
        { name: 'D', valueFrom: { secretKeyRef: { name: '', key: 'bad key' } } },
        { name: 'E=F' },
      ];
    });
    const env = `${pod}.containers[0].env`;
    assert.deepEqual(messages, [
      `${env}[0].valueFrom: Invalid value: "": may not be specified when \`value\` is not empty`,
      `${env}[1].valueFrom: Invalid value: "": must specify one of: \`fieldRef\`, \`resourceFieldRef\`, \`configMapKeyRef\` or \`secretKeyRef\``,
      `${env}[2].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.host": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"`,
      `${env}[3].valueFrom.secretKeyRef.name: Required value`,
      `${env}[3].valueFrom.secretKeyRef.key: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
      `${env}[4].name: Invalid value: "E=F": a valid environment variable name must consist only of printable ASCII characters other than '='`,
    ]);
  });

  void it('accepts label and annotation field references', () => {
    const messages = messagesFor((_spec, container) => {
      container.env = [
        { name: 'TEAM', valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
      ];
    });
    assert.deepEqual(messages, []);
  });

  void it('requires mounts to name a volume', () => {
    const messages = messagesFor((spec, container) => {
      spec.volumes = [{ name: 'data', emptyDir: {} }];
      container.volumeMounts = [
        { name: 'data', mountPath: '/data' },
        { name: 'cache', mountPath: '/data' },
      ];
    });
    assert.deepEqual(messages, [
      `${pod}.containers[0].volumeMounts[1].name: Not found: "cache"`,
      `${pod}.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique`,
    ]);
  });

  void it('requires one probe handler', () => {
    const messages = messagesFor((_spec, container) => {
      container.livenessProbe = { periodSeconds: 10 };
      container.readinessProbe = { exec: { command: ['true'] }, tcpSocket: { port: 80 } };
      container.startupProbe = { exec: { command: ['true'] }, successThreshold: 2 };
    });
    const path = `${pod}.containers[0]`;
    assert.deepEqual(messages, [
      `${path}.livenessProbe: Required value: must specify a handler type`,
      `${path}.readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type`,
      `${path}.startupProbe.successThreshold: Invalid value: 2: must be 1`,
    ]);
  });

  void it('rejects requests above limits', () => {
    const messages = messagesFor((_spec, container) => {
      container.resources = {
        requests: { cpu: '2', memory: '256Mi' },
        limits: { cpu: '1500m', memory: '1Gi' },
      };
    });
    assert.deepEqual(messages, [
      `${pod}.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1500m`,
    ]);
  });
});

void describe('pod spec validation', () => {
  void it('requires one source per volume', () => {
    const messages = messagesFor((spec) => {
      spec.volumes = [
        { name: 'a' },
        { name: 'b', emptyDir: {}, configMap: { name: 'x' } },
        { name: 'c', secret: {} },
      ];
    });
    assert.deepEqual(messages, [
      `${pod}.volumes[0]: Required value: must specify a volume type`,
      `${pod}.volumes[1].configMap: Forbidden: may not specify more than 1 volume type`,
      `${pod}.volumes[2].secret.secretName: Required value`,
    ]);
  });

  void it('rejects a file mode above 0777', () => {
    const messages = messagesFor((spec) => {
      spec.volumes = [{ name: 'a', configMap: { name: 'x', defaultMode: 0o1000 } }];
    });
    assert.deepEqual(messages, [
      `${pod}.volumes[0].configMap.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive`,
    ]);
  });

  void it('checks tolerations', () => {
    const messages = messagesFor((spec) => {
      spec.tolerations = [
        { operator: 'Equal', value: 'x' },
        { key: 'a', operator: 'Exists', value: 'x' },
        { key: 'b', operator: 'Equal', value: 'y', effect: 'NoSchedule', tolerationSeconds: 10 },
      ];
    });
    assert.deepEqual(messages, [
      `${pod}.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when \`key\` is empty, which means "match all values and all keys"`,
      `${pod}.tolerations[1].operator: Invalid value: {"key":"a","operator":"Exists","value":"x"}: value must be empty when \`operator\` is 'Exists'`,
      `${pod}.tolerations[2].effect: Invalid value: "NoSchedule": effect must be 'NoExecute' when \`tolerationSeconds\` is set`,
    ]);
  });

  void it('checks nodeSelector as labels', () => {
    const messages = messagesFor((spec) => {
      spec.nodeSelector = { 'disk type': 'ssd' };
    });
    assert.equal(messages.length, 1);
    assert.equal(
      messages[0]?.startsWith(
        `${pod}.nodeSelector: Invalid value: "disk type": name part must consist`,
      ),
      true,
    );
  });

  void it('rejects an invalid host alias IP', () => {
    const messages = messagesFor((spec) => {
      spec.hostAliases = [{ ip: '10.0.0.300', hostnames: ['db.local'] }];
    });
    assert.deepEqual(messages, [
      `${pod}.hostAliases[0].ip: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`,
    ]);
  });

  void it('rejects a zero pod activeDeadlineSeconds', () => {
    const messages = messagesFor((spec) => {
      spec.activeDeadlineSeconds = 0;
    });
    assert.deepEqual(messages, [
      `${pod}.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive`,
    ]);
  });

  void it('checks job template labels of a CronJob', () => {
    const resource = cronJob();
    resource.spec.jobTemplate.metadata = { labels: { team: 'a b' } };
    const messages = validateResource(resource, { operation: 'create' }).map(formatFieldError);
    assert.equal(messages.length, 1);
    assert.equal(
      messages[0]?.startsWith(
        'spec.jobTemplate.metadata.labels: Invalid value: "a b": a valid label must be',
      ),
      true,
    );
  });
});
