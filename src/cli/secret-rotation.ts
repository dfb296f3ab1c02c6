import type { EncryptingStore } from '../store/encryption/encrypting-store.js';
import type { Logger } from '../util/logger.js';

/**
 * Encrypts every Secret that is not under the primary key again with it, and logs how many it
 * wrote and each Secret that no key decrypts. Errors are logged, not thrown, so the controllers
 * start anyway. The log lines carry names and key ids, never values.
 */
export async function reencryptSecrets(store: EncryptingStore, logger: Logger): Promise<void> {
  try {
    const result = await store.reencryptSecrets();
    for (const failure of result.failures) {
      logger.error({ err: failure, keyId: failure.keyId }, 'Secret not re-encrypted');
    }
    logger.info(
      {
        reencrypted: result.reencrypted,
        failed: result.failures.length,
        primaryKeyId: store.primaryKeyId,
      },
      'Secrets re-encrypted with the primary key',
    );
  } catch (error) {
    logger.error({ err: error }, 'Secret re-encryption failed');
  }
}
