import { InvalidObjectError, StoreError, isResourceKind } from '../store/errors.js';
import { resourceInfo } from './kinds.js';
import type { Status } from './status.js';
import {
  StatusError,
  failureStatus,
  internalError,
  invalid,
  requestEntityTooLarge,
} from './status.js';

const storeErrorCodes: Record<StoreError['code'], { http: number; reason: string }> = {
  NotFound: { http: 404, reason: 'NotFound' },
  AlreadyExists: { http: 409, reason: 'AlreadyExists' },
  Conflict: { http: 409, reason: 'Conflict' },
  Invalid: { http: 422, reason: 'Invalid' },
};

/**
 * Maps any error a request handler throws to the Kubernetes Status the client receives. Errors
 * that are not StatusError, StoreError or a Fastify client error become 500 InternalError.
 * `bodyBytes` is the request's Content-Length, which the 413 message names when it is known.
 */
export function toStatus(error: unknown, bodyLimit: number, bodyBytes?: number): Status {
  if (error instanceof StatusError) return error.status;
  if (error instanceof StoreError) return storeErrorStatus(error);

  const fastifyCode = (error as { code?: unknown }).code;
  if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return requestEntityTooLarge(bodyLimit, bodyBytes).status;
  }

  const httpCode = (error as { statusCode?: unknown }).statusCode;
  if (typeof httpCode === 'number' && httpCode >= 400 && httpCode < 500) {
    return failureStatus(
      httpCode,
      httpCode === 415 ? 'UnsupportedMediaType' : 'BadRequest',
      (error as Error).message,
    );
  }
  return internalError(error instanceof Error ? error.message : String(error)).status;
}

function storeErrorStatus(error: StoreError): Status {
  const { http, reason } = storeErrorCodes[error.code];
  if (!isResourceKind(error.kind)) return failureStatus(http, reason, error.message);

  const info = resourceInfo(error.kind);
  if (error instanceof InvalidObjectError) {
    const cause =
      error.value === undefined
        ? { reason: 'FieldValueRequired', message: `Required value: ${error.detail}` }
        : {
            reason: 'FieldValueInvalid',
            message: `Invalid value: ${JSON.stringify(error.value)}: ${error.detail}`,
          };
    return invalid(info, error.name, [{ ...cause, field: error.field }]).status;
  }
  return failureStatus(http, reason, error.message, {
    name: error.name,
    group: info.group,
    kind: info.plural,
  });
}
