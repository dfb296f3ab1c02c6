/**
 * v1 ConfigMap and Secret validation: key names, base64 content, size, the required keys of
 * typed Secrets, and immutability.
 */
import { checkBase64 } from './base64.js';
import { jsonEqual } from './equality.js';
import { forbidden, invalid, required, tooLong, type FieldError } from './field-error.js';
import { keyPath } from './field-path.js';
import { checkConfigMapKey } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './validate-meta.js';
import type { ConfigMap, Secret } from './types.js';

/** Maximum total size of a ConfigMap's or Secret's data (1 MiB). */
export const maxDataSize = 1024 * 1024;

/** Stands in for Secret contents in messages, which never echo them back. */
export const redactedSecretValue = '<secret contents redacted>';
const immutableMessage = 'field is immutable when `immutable` is set';

/** Keys each built-in Secret type requires in `data`. */
const requiredSecretKeys: Record<string, readonly string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

export function validateConfigMap(configMap: ConfigMap, old?: ConfigMap): FieldError[] {
  const errors = validateObjectMeta(configMap.metadata, 'metadata');
  const data = configMap.data ?? {};
  const binaryData = configMap.binaryData ?? {};
  let totalSize = 0;

  for (const [key, value] of Object.entries(data)) {
    errors.push(...validateKey(key, keyPath('data', key)));
    if (Object.hasOwn(binaryData, key))
      errors.push(invalid(keyPath('data', key), key, 'duplicate of key present in binaryData'));
    totalSize += Buffer.byteLength(value);
  }
  for (const [key, value] of Object.entries(binaryData)) {
    const path = keyPath('binaryData', key);
    errors.push(...validateKey(key, path));
    if (Object.hasOwn(data, key))
      errors.push(invalid(path, key, 'duplicate of key present in data'));
    const decoded = checkBase64(value);
    if (decoded.ok) totalSize += decoded.byteLength;
    else errors.push(invalid(path, value, decoded.message));
  }
  if (totalSize > maxDataSize) errors.push(tooLong('data', maxDataSize));

  if (old !== undefined) {
    errors.push(...validateObjectMetaUpdate(configMap.metadata, old.metadata, 'metadata'));
    errors.push(...validateImmutableContent(configMap, old, ['data', 'binaryData']));
  }
  return errors;
}

/** Validates a defaulted Secret, whose `stringData` has already been merged into `data`. */
export function validateSecret(secret: Secret, old?: Secret): FieldError[] {
  const errors = validateObjectMeta(secret.metadata, 'metadata');
  const data = secret.data ?? {};
  let totalSize = 0;
  for (const [key, value] of Object.entries(data)) {
    const path = keyPath('data', key);
    errors.push(...validateKey(key, path));
    const decoded = checkBase64(value);
    if (decoded.ok) totalSize += decoded.byteLength;
    else errors.push(invalid(path, redactedSecretValue, decoded.message));
  }
  if (totalSize > maxDataSize) errors.push(tooLong('data', maxDataSize));
  errors.push(...validateSecretType(secret));

  if (old !== undefined) {
    errors.push(...validateObjectMetaUpdate(secret.metadata, old.metadata, 'metadata'));
    if ((secret.type ?? '') !== (old.type ?? ''))
      errors.push(invalid('type', secret.type ?? '', 'field is immutable'));
    errors.push(...validateImmutableContent(secret, old, ['data']));
  }
  return errors;
}

function validateKey(key: string, path: string): FieldError[] {
  return checkConfigMapKey(key).map((message) => invalid(path, key, message));
}

function validateSecretType(secret: Secret): FieldError[] {
  const data = secret.data ?? {};
  const type = secret.type ?? '';

  if (type === 'kubernetes.io/service-account-token') {
    const annotation = 'kubernetes.io/service-account.name';
    const name = secret.metadata.annotations?.[annotation] ?? '';
    return name === '' ? [required(keyPath('metadata.annotations', annotation), '')] : [];
  }
  if (type === 'kubernetes.io/basic-auth') {
    // Either key may hold an empty value, but one of them must be present.
    if (Object.hasOwn(data, 'username') || Object.hasOwn(data, 'password')) return [];
    return [required(keyPath('data', 'username'), ''), required(keyPath('data', 'password'), '')];
  }

  const errors: FieldError[] = [];
  for (const key of requiredSecretKeys[type] ?? []) {
    const value = data[key];
    if (value === undefined || (type === 'kubernetes.io/ssh-auth' && value === '')) {
      errors.push(required(keyPath('data', key), ''));
    } else if (key === '.dockercfg' || key === '.dockerconfigjson') {
      errors.push(...validateDockerConfig(value, keyPath('data', key)));
    }
  }
  return errors;
}

function validateDockerConfig(encoded: string, path: string): FieldError[] {
  if (!checkBase64(encoded).ok) return [];
  try {
    JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    return [];
  } catch (error) {
    // V8's message quotes the start of the input, which here is the decoded Secret.
    const message = error instanceof Error ? error.message : String(error);
    return [
      invalid(
        path,
        redactedSecretValue,
        message.replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, ' in JSON'),
      ),
    ];
  }
}

function validateImmutableContent<T extends ConfigMap | Secret>(
  resource: T,
  old: T,
  fields: readonly (keyof T & string)[],
): FieldError[] {
  if (old.immutable !== true) return [];
  const errors: FieldError[] = [];
  if (resource.immutable !== true) errors.push(forbidden('immutable', immutableMessage));
  for (const field of fields) {
    if (!jsonEqual(resource[field], old[field])) errors.push(forbidden(field, immutableMessage));
  }
  return errors;
}
