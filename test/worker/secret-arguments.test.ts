import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ConfigMap, Container, Pod, Secret } from '../../src/api/types.js';
import { EncryptingStore } from '../../src/store/encryption/encrypting-store.js';
import { KeyRing } from '../../src/store/encryption/keys.js';
import { ContainerConfigError, resolveContainer } from '../../src/worker/environment.js';
import type { TempStore } from '../support/temp-store.js';
import { openTempStore } from '../support/temp-store.js';

const token = `token-${randomBytes(8).toString('hex')}`;
const tokenRef = { secretKeyRef: { name: 'credentials', key: 'token' } };

const credentials: Secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'credentials', namespace: 'default' },
  data: { token: Buffer.from(token).toString('base64') },
};
const settings: ConfigMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace: 'default' },
  data: { token: 'from-configmap', region: 'eu-1' },
};

function podWith(container: Container, initContainers?: Container[]): Pod {
  const spec: Pod['spec'] = { containers: [{ name: 'sidecar', command: ['true'] }, container] };
  if (initContainers !== undefined) spec.initContainers = initContainers;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec };
}

describe('Secret values in arguments', () => {
  let temp: TempStore;
  before(async () => {
    temp = await openTempStore();
    await temp.store.create(credentials, 0);
    await temp.store.create(settings, 0);
  });
  after(async () => {
    await temp.cleanup();
  });

  /** Resolves `container` as the second container of a pod and returns the error message. */
  async function rejection(container: Container, pod = podWith(container)): Promise<string> {
    try {
      await resolveContainer(pod, container, temp.store);
    } catch (error) {
      assert.ok(error instanceof ContainerConfigError, String(error));
      assert.equal(error.code, 'CreateContainerConfigError');
      assert.equal(error.message.includes(token), false, error.message);
      return error.message;
    }
    assert.fail('expected the container to be rejected');
  }

  it('secretKeyRef in args is rejected', async () => {
    const message = await rejection({
      name: 'main',
      command: ['/bin/sh', '-c'],
      args: ['echo start', 'curl -H "Authorization: $(TOKEN)" http://127.0.0.1/'],
      env: [{ name: 'TOKEN', valueFrom: tokenRef }],
    });

    assert.equal(
      message,
      'spec.containers[1].args[1] references $(TOKEN), whose value comes from a Secret. ' +
        'cronmesh does not put Secret values into command or args, because every local user ' +
        'can read them in the process list. Read the variable from the environment instead, ' +
        'such as "$TOKEN" in a shell script',
    );
  });

  it('envFrom secretRef in command is rejected', async () => {
    const message = await rejection({
      name: 'main',
      command: ['$(APP_token)'],
      envFrom: [{ prefix: 'APP_', secretRef: { name: 'credentials' } }],
    });

    assert.match(message, /^spec\.containers\[1\]\.command\[0\] references \$\(APP_token\), /);
  });

  it('value built from a Secret variable is rejected', async () => {
    const message = await rejection({
      name: 'main',
      command: ['/bin/echo', '$(HEADER)'],
      env: [
        { name: 'TOKEN', valueFrom: tokenRef },
        { name: 'HEADER', value: 'Bearer $(TOKEN)' },
      ],
    });

    assert.match(message, /^spec\.containers\[1\]\.command\[1\] references \$\(HEADER\), /);
  });

  it('init container path is named', async () => {
    const init: Container = {
      name: 'setup',
      command: ['/bin/echo'],
      args: ['$(TOKEN)'],
      env: [{ name: 'TOKEN', valueFrom: tokenRef }],
    };
    const main: Container = { name: 'main', command: ['true'] };

    const message = await rejection(init, podWith(main, [init]));

    assert.match(message, /^spec\.initContainers\[0\]\.args\[0\] references \$\(TOKEN\), /);
  });

  it('probe exec command is rejected', async () => {
    const message = await rejection({
      name: 'main',
      command: ['sleep', '60'],
      env: [{ name: 'TOKEN', valueFrom: tokenRef }],
      livenessProbe: { exec: { command: ['/bin/check', '--token', '$(TOKEN)'] } },
    });

    assert.match(
      message,
      /^spec\.containers\[1\]\.livenessProbe\.exec\.command\[2\] references \$\(TOKEN\), /,
    );
  });

  const allowed: Array<[string, Container, string[]]> = [
    [
      'escaped reference',
      {
        name: 'main',
        command: ['/bin/echo', '$$(TOKEN)'],
        env: [{ name: 'TOKEN', valueFrom: tokenRef }],
      },
      ['/bin/echo', '$(TOKEN)'],
    ],
    [
      'Secret variable replaced by a plain value',
      {
        name: 'main',
        command: ['/bin/echo', '$(TOKEN)'],
        env: [
          { name: 'TOKEN', valueFrom: tokenRef },
          { name: 'TOKEN', value: 'plain' },
        ],
      },
      ['/bin/echo', 'plain'],
    ],
    [
      'ConfigMap key over a Secret key',
      {
        name: 'main',
        command: ['/bin/echo', '$(token)', '$(region)'],
        envFrom: [{ secretRef: { name: 'credentials' } }, { configMapRef: { name: 'settings' } }],
      },
      ['/bin/echo', 'from-configmap', 'eu-1'],
    ],
    [
      'Secret read from the environment by a shell',
      {
        name: 'main',
        command: ['/bin/sh', '-c', 'echo "$TOKEN"'],
        env: [{ name: 'TOKEN', valueFrom: tokenRef }],
      },
      ['/bin/sh', '-c', 'echo "$TOKEN"'],
    ],
  ];
  for (const [name, container, command] of allowed) {
    it(`allows ${name}`, async () => {
      const resolved = await resolveContainer(podWith(container), container, temp.store);

      assert.deepEqual(resolved.command, command);
    });
  }

  it('Secret still reaches the environment', async () => {
    const container: Container = {
      name: 'main',
      command: ['/bin/sh', '-c', 'echo "$TOKEN"'],
      env: [{ name: 'TOKEN', valueFrom: tokenRef }],
    };

    const resolved = await resolveContainer(podWith(container), container, temp.store);

    assert.equal(resolved.env.TOKEN, token);
  });
});

describe('Secret that cannot be decrypted', () => {
  let temp: TempStore;
  before(async () => {
    temp = await openTempStore();
    const writer = new EncryptingStore(
      temp.store,
      new KeyRing([{ id: 'a', key: randomBytes(32) }]),
    );
    await writer.create(credentials, 0);
  });
  after(async () => {
    await temp.cleanup();
  });

  it('fails the attempt naming the Secret', async () => {
    const reader = new EncryptingStore(
      temp.store,
      new KeyRing([{ id: 'b', key: randomBytes(32) }]),
    );
    const container: Container = {
      name: 'main',
      command: ['true'],
      env: [{ name: 'TOKEN', valueFrom: tokenRef }],
    };

    const error = await resolveContainer(podWith(container), container, reader).then(
      () => assert.fail('expected a ContainerConfigError'),
      (caught: unknown) => caught,
    );

    assert.ok(error instanceof ContainerConfigError, String(error));
    assert.equal(
      error.message,
      'decrypting Secret default/credentials failed: it is encrypted with key "a", which is not ' +
        'among the configured keys ("b"); add that key to --encryption-key-file or ' +
        'CRONMESH_ENCRYPTION_KEY after the primary key',
    );
  });
});
