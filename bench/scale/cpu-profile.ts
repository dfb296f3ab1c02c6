// Records a V8 CPU profile of part of a run through the inspector. The benchmark children do so
// when CRONMESH_BENCH_PROFILE_DIR is set, and profile-summary.ts prints the files.

import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** Directory the children write profiles to, or undefined when profiling is off. */
export function profileDirectory(): string | undefined {
  const directory = process.env.CRONMESH_BENCH_PROFILE_DIR;
  return directory === undefined || directory === '' ? undefined : directory;
}

/** A CPU profile being recorded; `stop` writes it as `<name>.cpuprofile`. */
export interface RunningProfile {
  stop(): Promise<string>;
}

/** Starts recording a CPU profile of this process that `stop` writes to `directory`. */
export async function startCpuProfile(directory: string, name: string): Promise<RunningProfile> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      const file = join(directory, `${name}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      return file;
    },
  };
}
