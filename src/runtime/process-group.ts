/**
 * Sends `signal` to every process in the process group whose leader is `pid`. Container
 * processes are spawned with `detached: true`, so each leads its own group and session.
 *
 * Returns undefined when the signal was sent or the group no longer exists (ESRCH), and an
 * error description otherwise, such as EPERM for a member that runs as another user.
 *
 * NOTE: a descendant that starts its own session or group (setsid, setpgid) leaves the
 * group and survives. Kubernetes kills the container's whole cgroup instead.
 */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): string | undefined {
  try {
    process.kill(-pid, signal);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return undefined;
    return `sending ${signal} to process group ${pid} failed: ${code ?? String(error)}`;
  }
}
