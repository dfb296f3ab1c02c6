import type { FastifyInstance } from 'fastify';
import { badRequest, unsupportedMediaType } from './status.js';

export const mergePatchType = 'application/merge-patch+json';

/**
 * Maximum nesting of objects and arrays in a request body. Objects of the served kinds need fewer
 * than 20 levels. Bodies of about 3000 levels overflow the stack of the recursive copy and check
 * functions (measured with Node 20), and SQLite's JSON functions reject more than 1000 levels.
 */
export const maxJsonDepth = 256;

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
      if (exceedsDepth(text, maxJsonDepth)) {
        done(
          badRequest(
            `the request body is not valid JSON: objects and arrays are nested deeper than ${maxJsonDepth} levels`,
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

/** Returns whether JSON text nests objects and arrays deeper than `limit`, ignoring strings. */
function exceedsDepth(text: string, limit: number): boolean {
  let depth = 0;
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
      if (depth > limit) return true;
    } else if (char === '}' || char === ']') {
      depth--;
    }
  }
  return false;
}

/** Returns the media type of a Content-Type header without parameters, in lower case. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
