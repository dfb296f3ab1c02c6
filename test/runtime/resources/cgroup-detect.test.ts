import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  locateCgroups,
  parseCgroupMemberships,
  parseCgroupMounts,
} from '../../../src/runtime/resources/cgroup-detect.js';
import { toKernelLimits } from '../../../src/runtime/resources/limits.js';

/** A hybrid host: v1 controllers, plus a cgroup2 mount that offers only hugetlb. */
const hybridMountinfo = [
  '30 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:5 - cgroup2 cgroup2 rw',
  '35 30 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct',
  '36 30 0:32 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory',
  '40 25 8:1 / / rw,relatime - ext4 /dev/sda1 rw',
].join('\n');

const hybridMembership = [
  '9:name=systemd:/',
  '4:memory:/process_api/abc',
  '2:cpu,cpuacct:/',
  '0::/',
].join('\n');

describe('cgroup detection', () => {
  it('parses cgroup mounts only', () => {
    assert.deepEqual(parseCgroupMounts(hybridMountinfo), [
      { root: '/', mountPoint: '/sys/fs/cgroup/unified', version: 2, controllers: [] },
      {
        root: '/',
        mountPoint: '/sys/fs/cgroup/cpu,cpuacct',
        version: 1,
        controllers: ['rw', 'cpu', 'cpuacct'],
      },
      { root: '/', mountPoint: '/sys/fs/cgroup/memory', version: 1, controllers: ['rw', 'memory'] },
    ]);
  });

  it('uses v1 when v2 lacks memory and cpu', () => {
    const location = locateCgroups(
      parseCgroupMounts(hybridMountinfo),
      parseCgroupMemberships(hybridMembership),
      () => ['hugetlb'],
    );

    assert.deepEqual(location, {
      version: 1,
      memoryDir: '/sys/fs/cgroup/memory/process_api/abc',
      cpuDir: '/sys/fs/cgroup/cpu,cpuacct',
    });
  });

  it('prefers v2 when it offers memory and cpu', () => {
    const mountinfo =
      '25 20 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot';
    const asked: string[] = [];
    const location = locateCgroups(
      parseCgroupMounts(mountinfo),
      parseCgroupMemberships('0::/system.slice/cronmesh.service\n'),
      (dir) => {
        asked.push(dir);
        return ['cpuset', 'cpu', 'io', 'memory', 'pids'];
      },
    );

    assert.deepEqual(location, { version: 2, dir: '/sys/fs/cgroup/system.slice/cronmesh.service' });
    assert.deepEqual(asked, ['/sys/fs/cgroup/system.slice/cronmesh.service']);
  });

  it('maps paths under a namespaced mount root', () => {
    const mountinfo =
      '50 40 0:33 /docker/c1 /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n' +
      '51 40 0:34 /docker/c1 /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu';
    const membership = '4:memory:/docker/c1/job\n2:cpu:/docker/c1\n';

    assert.deepEqual(
      locateCgroups(parseCgroupMounts(mountinfo), parseCgroupMemberships(membership), () => []),
      { version: 1, memoryDir: '/sys/fs/cgroup/memory/job', cpuDir: '/sys/fs/cgroup/cpu' },
    );
  });

  it('returns a reason when nothing is usable', () => {
    const mountinfo = '31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw';

    assert.equal(
      locateCgroups(parseCgroupMounts(mountinfo), parseCgroupMemberships('0::/\n'), () => ['pids']),
      'the cgroup v2 hierarchy at /sys/fs/cgroup/unified does not offer the memory and cpu controllers',
    );
    assert.equal(
      locateCgroups([], [], () => []),
      'no cgroup v2 hierarchy and no cgroup v1 memory and cpu hierarchies are mounted',
    );
  });
});

describe('kernel limits', () => {
  const cases: Array<[string, { cpu?: number; memory?: number } | undefined, object]> = [
    ['none', undefined, {}],
    ['zero means no limit', { cpu: 0, memory: 0 }, {}],
    ['200m', { cpu: 0.2 }, { cpuMillis: 200, cpuQuotaUs: 20_000 }],
    ['2 CPUs', { cpu: 2 }, { cpuMillis: 2000, cpuQuotaUs: 200_000 }],
    ['below the minimum quota', { cpu: 0.001 }, { cpuMillis: 1, cpuQuotaUs: 1_000 }],
    ['millicores round up', { cpu: 0.0001 }, { cpuMillis: 1, cpuQuotaUs: 1_000 }],
    ['32Mi', { memory: 32 * 2 ** 20 }, { memoryBytes: 33_554_432 }],
    ['fractional bytes round up', { memory: 100.5 }, { memoryBytes: 101 }],
  ];
  for (const [name, limits, expected] of cases) {
    it(name, () => assert.deepEqual(toKernelLimits(limits), expected));
  }
});
