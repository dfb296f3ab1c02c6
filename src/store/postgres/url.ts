/** The schema a store URL selects when it has no `schema` parameter. */
export const defaultSchema = 'cronmesh';

/** Query parameters that cronmesh sets on every connection itself. */
const reservedParameters = ['application_name'];

/**
 * A lowercase unquoted PostgreSQL identifier of at most 63 bytes (NAMEDATALEN - 1), so it needs
 * no quoting in `search_path`, in SQL or in the `options` startup parameter.
 */
const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;

/** The location of a PostgreSQL store: a database and one schema in it. */
export interface PostgresTarget {
  /** The URL without `schema` and `options`, for node-postgres. May contain a password. */
  connectionString: string;
  schema: string;
  /** The `options` startup parameter of the URL, without the `search_path` the store adds. */
  serverOptions: string | undefined;
  /** The connection string with its password replaced by `***`, for messages and logs. */
  displayUrl: string;
}

/** A store URL that cronmesh cannot use. `url` has its password replaced by `***`. */
export class InvalidStoreUrlError extends Error {
  readonly code = 'InvalidStoreUrl';

  constructor(
    readonly url: string,
    readonly detail: string,
  ) {
    super(`invalid store URL ${JSON.stringify(url)}: ${detail}`);
    this.name = 'InvalidStoreUrlError';
  }
}

/** Returns whether `url` has the scheme of a PostgreSQL store: postgres:// or postgresql://. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * Parses `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME]`. Other query parameters
 * (sslmode, options, …) pass through to node-postgres. Throws InvalidStoreUrlError on another
 * scheme, an unparsable URL, an invalid schema name or a parameter that cronmesh sets itself.
 */
export function parsePostgresUrl(url: string): PostgresTarget {
  const redactedUrl = redactPassword(url);
  if (!isPostgresUrl(url)) {
    throw new InvalidStoreUrlError(redactedUrl, 'expected a postgres:// or postgresql:// URL');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidStoreUrlError(
      redactedUrl,
      'expected postgres://USER@HOST:PORT/DATABASE?schema=NAME with special characters percent-encoded',
    );
  }

  for (const name of reservedParameters) {
    if (parsed.searchParams.has(name)) {
      throw new InvalidStoreUrlError(
        redactedUrl,
        `remove the ${name} parameter: cronmesh names its connections itself`,
      );
    }
  }
  const schemas = parsed.searchParams.getAll('schema');
  if (schemas.length > 1) {
    throw new InvalidStoreUrlError(
      redactedUrl,
      'the schema parameter appears more than once; keep one',
    );
  }
  const schema = schemas[0] ?? defaultSchema;
  if (!schemaPattern.test(schema) || schema.startsWith('pg_')) {
    throw new InvalidStoreUrlError(
      redactedUrl,
      `invalid schema ${JSON.stringify(schema)}: expected a lowercase letter or underscore, then ` +
        'up to 62 lowercase letters, digits or underscores, not starting with pg_',
    );
  }
  const serverOptions = parsed.searchParams.get('options') ?? undefined;
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('options');

  const connectionString = parsed.href;
  return { connectionString, schema, serverOptions, displayUrl: redactPassword(connectionString) };
}

/**
 * Replaces the password of a URL with `***`. Text that does not parse as a URL is redacted from
 * the first `:` after `scheme://` to the last `@`, so a password with unencoded special
 * characters stays hidden too.
 */
export function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.href;
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:).*@/i, '$1***@');
  }
}
