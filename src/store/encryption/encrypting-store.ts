import type { AnyResource, ResourceKind, Secret } from '../../api/types.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { ForwardingStore } from '../forwarding-store.js';
import { objectKeyOf } from '../metadata.js';
import type { DeleteOptions, ListOptions, Store, WatchEvent, WriteOptions } from '../store.js';
import { DecryptionError, open, seal, sealedKeyId } from './envelope.js';
import type { KeyRing } from './keys.js';
import type { StoredSecret } from './secret-payload.js';
import {
  associatedDataOf,
  encryptedField,
  encryptedValueOf,
  joinSecret,
  splitSecret,
  withoutPayload,
} from './secret-payload.js';

export interface EncryptingStoreOptions {
  /**
   * Receives the error of a watch event whose Secret cannot be decrypted. Such an ADDED or
   * MODIFIED event is dropped, and a DELETED event is delivered without the payload. Defaults to
   * a process warning.
   */
  onWatchDecryptionError?: (error: DecryptionError) => void;
}

/** The outcome of `reencryptSecrets`. */
export interface ReencryptionResult {
  /** Secrets written again under the primary key, plaintext ones from before included. */
  reencrypted: number;
  /** Secrets that no configured key decrypts, which stay as they are. */
  failures: DecryptionError[];
}

/**
 * A Store that encrypts Secrets before they reach `inner` and decrypts them on the way back, so
 * that the database only ever stores their payload (every field but apiVersion, kind and the
 * metadata, plus the annotations) as AES-256-GCM ciphertext. Names, labels and the rest of the
 * metadata stay in clear, because the store indexes and matches them. Other kinds pass through.
 *
 * A Secret stored before encryption was configured is returned as stored until
 * `reencryptSecrets` or its next update encrypts it. Reads of a Secret that no configured key
 * decrypts throw DecryptionError, which names the Secret and never its values.
 */
export class EncryptingStore extends ForwardingStore {
  private readonly onWatchDecryptionError: (error: DecryptionError) => void;

  constructor(
    inner: Store,
    private readonly keys: KeyRing,
    options: EncryptingStoreOptions = {},
  ) {
    super(inner);
    this.onWatchDecryptionError =
      options.onWatchDecryptionError ??
      ((error) => process.emitWarning(error.message, { code: 'CRONMESH_SECRET_DECRYPTION' }));
  }

  /** The id of the key that encrypts every write. */
  get primaryKeyId(): string {
    return this.keys.primary.id;
  }

  override async create<T extends AnyResource>(
    object: T,
    now: number,
    options?: WriteOptions,
  ): Promise<T> {
    if (object.kind !== 'Secret') return this.inner.create(object, now, options);
    const stored = await this.inner.create(this.sealSecret(object), now, options);
    return this.openSecret(stored) as T;
  }

  override async get<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
  ): Promise<T> {
    const object = await this.inner.get<T>(kind, namespace, name);
    return kind === 'Secret' ? (this.openSecret(object) as T) : object;
  }

  override async find<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    const object = await this.inner.find<T>(kind, namespace, name);
    if (object === undefined || kind !== 'Secret') return object;
    return this.openSecret(object) as T;
  }

  override async list<T extends AnyResource>(kind: T['kind'], options?: ListOptions): Promise<T[]> {
    const objects = await this.inner.list<T>(kind, options);
    if (kind !== 'Secret') return objects;
    return objects.map((object) => this.openSecret(object) as T);
  }

  /**
   * Encrypts and replaces a Secret. A fresh nonce would make every write differ from the stored
   * value. So when the payload equals the stored one under the primary key, the stored ciphertext
   * is reused, and the update changes nothing and keeps the resourceVersion, as for other kinds.
   */
  override async update<T extends AnyResource>(object: T, options?: WriteOptions): Promise<T> {
    if (object.kind !== 'Secret') return this.inner.update(object, options);
    const reusable = await this.storedCiphertextFor(object);
    const stored = await this.inner.update(this.sealSecret(object, reusable), options);
    return this.openSecret(stored) as T;
  }

  /**
   * Deletes the object. A deleted Secret that no configured key decrypts is returned without its
   * payload, so that an unreadable Secret can still be deleted.
   */
  override async delete<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
    options?: DeleteOptions,
  ): Promise<T> {
    const deleted = await this.inner.delete<T>(kind, namespace, name, options);
    if (kind !== 'Secret') return deleted;
    try {
      return this.openSecret(deleted) as T;
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
      return withoutPayload(deleted as unknown as StoredSecret) as T;
    }
  }

  override watch(
    kind: ResourceKind | undefined,
    listener: (event: WatchEvent) => void,
  ): () => void {
    if (kind !== undefined && kind !== 'Secret') return this.inner.watch(kind, listener);
    return this.inner.watch(kind, (event) => {
      if (event.object.kind !== 'Secret') {
        listener(event);
        return;
      }
      let object: Secret;
      try {
        object = this.openSecret(event.object);
      } catch (error) {
        if (!(error instanceof DecryptionError)) throw error;
        this.onWatchDecryptionError(error);
        if (event.type !== 'DELETED') return;
        object = withoutPayload(event.object);
      }
      listener({ type: event.type, object });
    });
  }

  /**
   * Encrypts every Secret that is stored in plaintext or under a key other than the primary key
   * again with the primary key. Each write carries the resourceVersion it read, so a Secret that
   * changes meanwhile is skipped, because the write that changed it encrypted it already.
   */
  async reencryptSecrets(options?: WriteOptions): Promise<ReencryptionResult> {
    const result: ReencryptionResult = { reencrypted: 0, failures: [] };
    for (const stored of await this.inner.list<Secret>('Secret')) {
      const value = encryptedValueOf(stored);
      if (typeof value === 'string' && sealedKeyId(value) === this.keys.primary.id) continue;
      let secret: Secret;
      try {
        secret = this.openSecret(stored);
      } catch (error) {
        if (!(error instanceof DecryptionError)) throw error;
        result.failures.push(error);
        continue;
      }
      try {
        await this.inner.update(this.sealSecret(secret), options);
        result.reencrypted += 1;
      } catch (error) {
        if (error instanceof ConflictError || error instanceof NotFoundError) continue;
        throw error;
      }
    }
    return result;
  }

  /** Returns the stored form of `secret`, its payload sealed with the primary key. */
  private sealSecret(secret: Secret, ciphertext?: string): StoredSecret {
    const { namespace, name } = objectKeyOf(secret);
    const { clear, payloadJson } = splitSecret(secret);
    clear[encryptedField] =
      ciphertext ?? seal(payloadJson, this.keys.primary, associatedDataOf(namespace, name));
    return clear;
  }

  /** Returns the Secret with its payload decrypted, or unchanged when it is stored in plaintext. */
  private openSecret(object: AnyResource): Secret {
    const stored = object as unknown as StoredSecret;
    const value = encryptedValueOf(object);
    if (value === undefined) return object as Secret;
    const { namespace, name } = objectKeyOf(object);
    const subject = `Secret ${namespace}/${name}`;
    // A value that is not a string fails as malformed, like any other damaged value.
    const sealed = typeof value === 'string' ? value : '';
    const payloadJson = open(sealed, this.keys, associatedDataOf(namespace, name), subject);
    const clear = { ...stored };
    delete clear[encryptedField];
    return joinSecret(clear, payloadJson);
  }

  /**
   * Returns the stored ciphertext of `secret` when it is under the primary key and decrypts to
   * the same payload, else undefined. A stored value that fails to decrypt is replaced, not
   * reported, because the update overwrites it anyway.
   */
  private async storedCiphertextFor(secret: Secret): Promise<string | undefined> {
    const { namespace, name } = objectKeyOf(secret);
    const stored = await this.inner.find<Secret>('Secret', namespace, name);
    const value = stored === undefined ? undefined : encryptedValueOf(stored);
    if (typeof value !== 'string' || sealedKeyId(value) !== this.keys.primary.id) return undefined;
    try {
      const payloadJson = open(value, this.keys, associatedDataOf(namespace, name), 'Secret');
      return payloadJson === splitSecret(secret).payloadJson ? value : undefined;
    } catch (error) {
      if (error instanceof DecryptionError) return undefined;
      throw error;
    }
  }
}
