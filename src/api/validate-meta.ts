/**
 * ObjectMeta, label and annotation validation with Kubernetes' field paths and messages.
 */
import { invalid, required, tooLong, type FieldError } from './field-error.js';
import { childPath, keyPath } from './field-path.js';
import {
  checkDns1123Label,
  checkDns1123Subdomain,
  checkLabelValue,
  checkQualifiedName,
} from './names.js';
import type { ObjectMeta } from './types.js';

/** Total size limit of all annotation keys and values of one object (256 KiB). */
export const totalAnnotationSizeLimit = 256 * 1024;

export function validateLabels(
  labels: Record<string, string> | undefined,
  path: string,
): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    for (const message of checkQualifiedName(key)) errors.push(invalid(path, key, message));
    for (const message of checkLabelValue(value)) errors.push(invalid(path, value, message));
  }
  return errors;
}

export function validateAnnotations(
  annotations: Record<string, string> | undefined,
  path: string,
): FieldError[] {
  const errors: FieldError[] = [];
  let totalSize = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    // Annotation keys follow the label key rule, except that case does not matter.
    for (const message of checkQualifiedName(key.toLowerCase()))
      errors.push(invalid(path, key, message));
    totalSize += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (totalSize > totalAnnotationSizeLimit) errors.push(tooLong(path, totalAnnotationSizeLimit));
  return errors;
}

export interface ObjectMetaOptions {
  /** Whether the kind lives in a namespace (every kind cronmesh serves does). */
  namespaced: boolean;
}

/** Validates the metadata of a top-level object (not of a template). */
export function validateObjectMeta(
  meta: Partial<ObjectMeta> | undefined,
  path: string,
  options: ObjectMetaOptions = { namespaced: true },
): FieldError[] {
  const errors: FieldError[] = [];
  const name = meta?.name ?? '';
  const generateName = (meta as { generateName?: string } | undefined)?.generateName ?? '';

  if (name === '' && generateName === '') {
    errors.push(required(childPath(path, 'name'), 'name or generateName is required'));
  }
  if (name !== '') {
    for (const message of checkDns1123Subdomain(name))
      errors.push(invalid(childPath(path, 'name'), name, message));
  }
  if (generateName !== '') {
    // A generated name gets a random suffix, so a trailing '-' is allowed here.
    const masked = generateName.endsWith('-') ? `${generateName.slice(0, -1)}a` : generateName;
    for (const message of checkDns1123Subdomain(masked)) {
      errors.push(invalid(childPath(path, 'generateName'), generateName, message));
    }
  }

  const namespace = meta?.namespace ?? '';
  if (options.namespaced && namespace === '') {
    errors.push(required(childPath(path, 'namespace'), ''));
  } else if (namespace !== '') {
    for (const message of checkDns1123Label(namespace)) {
      errors.push(invalid(childPath(path, 'namespace'), namespace, message));
    }
  }

  errors.push(...validateLabels(meta?.labels, childPath(path, 'labels')));
  errors.push(...validateAnnotations(meta?.annotations, childPath(path, 'annotations')));
  errors.push(
    ...validateOwnerReferences(meta?.ownerReferences, childPath(path, 'ownerReferences')),
  );
  return errors;
}

function validateOwnerReferences(
  references: ObjectMeta['ownerReferences'],
  path: string,
): FieldError[] {
  const errors: FieldError[] = [];
  const controllers: string[] = [];
  (references ?? []).forEach((reference, index) => {
    const entryPath = keyPath(path, index);
    if (!reference.apiVersion)
      errors.push(invalid(childPath(entryPath, 'apiVersion'), '', 'version must not be empty'));
    if (!reference.kind)
      errors.push(invalid(childPath(entryPath, 'kind'), '', 'kind must not be empty'));
    if (!reference.name)
      errors.push(invalid(childPath(entryPath, 'name'), '', 'name must not be empty'));
    if (!reference.uid)
      errors.push(invalid(childPath(entryPath, 'uid'), '', 'uid must not be empty'));
    if (reference.controller === true) controllers.push(`${reference.kind}/${reference.name}`);
  });
  if (controllers.length > 1) {
    errors.push(
      invalid(
        path,
        references,
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`,
      ),
    );
  }
  return errors;
}

/** Rejects changes to the identity fields of an object on update. */
export function validateObjectMetaUpdate(
  meta: Partial<ObjectMeta> | undefined,
  old: Partial<ObjectMeta> | undefined,
  path: string,
): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    const value = meta?.[field];
    const oldValue = old?.[field];
    // Fields the client left out are filled from the stored object, so only real changes count.
    if (value === undefined || oldValue === undefined || value === oldValue) continue;
    errors.push(invalid(childPath(path, field), value, 'field is immutable'));
  }
  return errors;
}
