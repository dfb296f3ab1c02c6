import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SANDBOX_ANNOTATION } from '../../src/api/annotations.js';
import type { Pod } from '../../src/api/types.js';
import { describePod } from '../../src/cli/format/describe.js';

function pod(annotations?: Record<string, string>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'job-1-abcde', namespace: 'default', ...(annotations && { annotations }) },
    spec: { containers: [{ name: 'main', command: ['true'] }] },
    status: { phase: 'Succeeded', nodeName: 'worker-1' },
  };
}

describe('describe pod sandbox', () => {
  it('shows the mode the attempt ran in', () => {
    const text = describePod(pod({ [SANDBOX_ANNOTATION]: 'bubblewrap' }), [], 0);
    const lines = text.split('\n');
    const node = lines.findIndex((line) => line.startsWith('Node:'));

    assert.match(lines[node + 1] ?? '', /^Sandbox:\s+bubblewrap$/);
  });

  it('omits the line before the attempt started', () => {
    const text = describePod(pod(), [], 0);

    assert.equal(/^Sandbox:/m.test(text), false);
  });
});
