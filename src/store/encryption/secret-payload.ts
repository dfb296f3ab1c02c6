import type { AnyResource, Secret } from '../../api/types.js';
import { canonicalJson } from '../metadata.js';

/**
 * The field of a stored Secret that contains its encrypted payload. Every other top-level field
 * except apiVersion, kind and metadata moves into the payload, and so do the annotations,
 * because `cronmesh apply` copies the whole manifest, `data` included, into the
 * last-applied-configuration annotation.
 */
export const encryptedField = 'encrypted';

/** A Secret as the store keeps it: metadata without annotations, and the sealed payload. */
export interface StoredSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: Secret['metadata'];
  [encryptedField]?: string;
}

interface Payload {
  fields: Record<string, unknown>;
  annotations?: Record<string, string>;
}

/**
 * Splits `secret` into the part stored in clear (name, namespace, labels, owners and the other
 * metadata the store reads) and the canonical JSON of the payload to encrypt.
 */
export function splitSecret(secret: Secret): { clear: StoredSecret; payloadJson: string } {
  const { apiVersion, kind, metadata, ...fields } = secret;
  const { annotations, ...clearMetadata } = metadata;
  const payload: Payload = { fields };
  if (annotations !== undefined) payload.annotations = annotations;
  return {
    clear: { apiVersion, kind, metadata: clearMetadata },
    payloadJson: canonicalJson(payload),
  };
}

/**
 * Returns the `encrypted` field of a stored Secret: a string, undefined for a Secret stored in
 * plaintext, or another value when the row was damaged.
 */
export function encryptedValueOf(stored: AnyResource): unknown {
  return (stored as unknown as Record<string, unknown>)[encryptedField];
}

/** Rebuilds the Secret from its clear part and the decrypted payload JSON. */
export function joinSecret(clear: StoredSecret, payloadJson: string): Secret {
  const payload = JSON.parse(payloadJson) as Payload;
  const metadata = { ...clear.metadata };
  if (payload.annotations !== undefined) metadata.annotations = payload.annotations;
  return { apiVersion: clear.apiVersion, kind: clear.kind, metadata, ...payload.fields };
}

/** Returns the clear part of a stored Secret, as a caller gets it when decryption fails. */
export function withoutPayload(stored: StoredSecret): Secret {
  return { apiVersion: stored.apiVersion, kind: stored.kind, metadata: { ...stored.metadata } };
}

/**
 * Returns the associated data that binds a payload to its Secret, so that a sealed payload copied
 * into another Secret's row fails authentication.
 */
export function associatedDataOf(namespace: string, name: string): string {
  return `cronmesh/v1 Secret ${namespace}/${name}`;
}
