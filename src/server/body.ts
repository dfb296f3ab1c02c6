import type { FastifyInstance } from 'fastify';
import { badRequest, unsupportedMediaType } from './status.js';

export const mergePatchType = 'application/merge-patch+json';

/**
 * Replaces Fastify's body parsers: JSON bodies (`application/json`, and merge patches for PATCH)
 * are parsed with errors as Kubernetes BadRequest Status, and any other media type is rejected
 * with 415 UnsupportedMediaType.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();

  app.addContentTypeParser(
    ['application/json', mergePatchType],
    { parseAs: 'string' },
    (_request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') {
        done(null, undefined);
        return;
      }
      try {
        done(null, JSON.parse(text) as unknown);
      } catch (error) {
        done(badRequest(`the request body is not valid JSON: ${(error as Error).message}`));
      }
    },
  );

  app.addContentTypeParser('*', (request, _payload, done) => {
    const accepted = request.method === 'PATCH' ? [mergePatchType] : ['application/json'];
    done(unsupportedMediaType(request.headers['content-type'] ?? '', accepted));
  });
}

/** Returns the media type of a Content-Type header without parameters, in lower case. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
