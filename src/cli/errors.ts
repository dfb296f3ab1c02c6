import { formatLocation } from '../api/field-error.js';
import type { ManifestSource } from '../api/manifests.js';
import { ConnectionError, ServerError } from './client.js';

/** A wrong use of a command or unusable input, printed as `error: <message>`. */
export class CliError extends Error {
  readonly code = 'CliError';

  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Formats an error the way kubectl prints it. A server error reads
 * `Error from server (NotFound): cronjobs.batch "x" not found`. An Invalid error reads
 * `The CronJob "x" is invalid: <field>: <detail>`, with one cause per line when there are several.
 * Any other error reads `error: <message>`. The result ends with a newline.
 *
 * With the `source` of the manifest the request was made for, a server error also names the file
 * and the line: of each field for an Invalid error, of the document otherwise.
 */
export function formatError(error: unknown, source?: ManifestSource): string {
  if (error instanceof ServerError) return `${formatServerError(error, source)}\n`;
  if (error instanceof ConnectionError) return `error: ${error.message}\n`;

  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith('error: ') ? `${message}\n` : `error: ${message}\n`;
}

function formatServerError(error: ServerError, source: ManifestSource | undefined): string {
  const { status } = error;
  const details = status.details;
  if (status.reason === 'Invalid' && details !== undefined) {
    const kind = details.kind ?? '';
    const name = details.name ?? '';
    let prefix = 'The request is invalid';
    if (kind !== '' || name !== '') prefix = `The ${kind} ${JSON.stringify(name)} is invalid`;

    const locate = (field: string): string =>
      source === undefined ? '' : formatLocation(source.file, source.lineOf(field));
    const texts = (details.causes ?? []).map(
      (cause) => `${cause.field}: ${cause.message}${locate(cause.field)}`,
    );
    const causes = [...new Set(texts)];
    if (causes.length === 0) return prefix;
    if (causes.length === 1) return `${prefix}: ${causes[0]}`;
    return `${prefix}: \n${causes.map((cause) => `* ${cause}`).join('\n')}`;
  }
  const location = source === undefined ? '' : formatLocation(source.file, source.line);
  if (status.reason !== undefined && status.reason !== '') {
    return `Error from server (${status.reason}): ${error.message}${location}`;
  }
  return `Error from server: ${error.message}${location}`;
}
