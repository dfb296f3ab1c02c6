/**
 * Checks of volumes and volume mounts against what cronmesh can set up on one host: emptyDir,
 * configMap and secret volumes, bind-mounted at absolute paths inside the sandbox. Other volume
 * types and mount options are rejected here instead of being ignored at run time.
 */
import { forbidden, invalid, unsupported, type FieldError } from './field-error.js';
import { childPath } from './field-path.js';

/** Volume types that the worker materializes for an attempt. */
export const supportedVolumeTypes = ['emptyDir', 'configMap', 'secret'];

const emptyDirMedia = ['', 'Memory'];
const propagationModes = ['None', 'HostToContainer'];
const recursiveReadOnlyModes = ['Disabled', 'IfPossible', 'Enabled'];

export interface LocalVolumeMount {
  readOnly?: boolean;
  mountPath?: string;
  subPath?: string;
  subPathExpr?: string;
  mountPropagation?: string;
  recursiveReadOnly?: string;
}

/** Checks one volume's source type; `path` is the volume's path, `type` its source field. */
export function checkVolumeSupport(type: string, source: unknown, path: string): FieldError[] {
  const sourcePath = childPath(path, type);
  if (!supportedVolumeTypes.includes(type)) {
    return [
      forbidden(
        sourcePath,
        `cronmesh supports only ${supportedVolumeTypes.join(', ')} volumes on a local host`,
      ),
    ];
  }
  if (type !== 'emptyDir') return [];
  const medium = (source as { medium?: string } | undefined)?.medium;
  if (medium === undefined || emptyDirMedia.includes(medium)) return [];
  return [unsupported(childPath(sourcePath, 'medium'), medium, emptyDirMedia)];
}

/**
 * Checks a configMap or secret `items[].path` beyond validateRelativePath. Kubernetes rejects a
 * first element that starts with `..`, because kubelet keeps such names for its own entries.
 * cronmesh also rejects control characters such as a newline or NUL, which Kubernetes accepts,
 * because the path becomes a file name on the host.
 */
export function checkItemPath(value: string, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (value.startsWith('..') && !value.startsWith('../')) {
    errors.push(invalid(path, value, "must not start with '..'"));
  }
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    errors.push(invalid(path, value, 'must not contain control characters'));
  }
  return errors;
}

/** Checks the options of one volumeMount; `path` is the mount's path. */
export function checkMountSupport(mount: LocalVolumeMount, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const target = mount.mountPath ?? '';
  if (target !== '' && !target.startsWith('/')) {
    errors.push(invalid(childPath(path, 'mountPath'), target, 'must be an absolute path'));
  }
  if ((mount.subPath ?? '') !== '' && (mount.subPathExpr ?? '') !== '') {
    errors.push(
      invalid(
        childPath(path, 'subPathExpr'),
        mount.subPathExpr,
        'subPathExpr and subPath are mutually exclusive',
      ),
    );
  }
  const propagation = mount.mountPropagation;
  if (propagation === 'Bidirectional') {
    errors.push(
      forbidden(
        childPath(path, 'mountPropagation'),
        'Bidirectional mount propagation is available only to privileged containers',
      ),
    );
  } else if (propagation !== undefined && !propagationModes.includes(propagation)) {
    errors.push(unsupported(childPath(path, 'mountPropagation'), propagation, propagationModes));
  }
  const recursive = mount.recursiveReadOnly;
  if (recursive !== undefined) {
    const recursivePath = childPath(path, 'recursiveReadOnly');
    if (!recursiveReadOnlyModes.includes(recursive)) {
      errors.push(unsupported(recursivePath, recursive, recursiveReadOnlyModes));
    } else if (recursive !== 'Disabled' && mount.readOnly !== true) {
      errors.push(forbidden(recursivePath, 'may only be specified when readOnly is true'));
    }
  }
  return errors;
}
