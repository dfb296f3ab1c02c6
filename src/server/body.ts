import type { FastifyInstance } from 'fastify';
import { maxManifestDepth } from '../api/limits.js';
import { badRequest, unsupportedMediaType } from './status.js';

export const mergePatchType = 'application/merge-patch+json';

/** Maximum nesting of objects and arrays in a request body, the same as in manifest files. */
export const maxJsonDepth = maxManifestDepth;

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
      const depth = nestingDepth(text);
      if (depth > maxJsonDepth) {
        done(
          badRequest(
            `the request body nests objects and arrays ${depth} levels deep, more than the ` +
              `limit of ${maxJsonDepth} levels`,
          ),
        );
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

/**
 * Returns how deeply JSON text nests objects and arrays, ignoring brackets inside strings. It
 * reads the text once, so the depth of any body within the size limit is cheap to report.
 */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '{' || char === '[') {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (char === '}' || char === ']') {
      depth--;
    }
  }
  return deepest;
}

/** Returns the media type of a Content-Type header without parameters, in lower case. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
