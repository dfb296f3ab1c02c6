import { readFileSync } from 'node:fs';
import { CliError } from './errors.js';

/** Source of the value of `--token` or `--token-file`, as commander reports it (`cli`, `env`). */
export type OptionSource = string | undefined;

export interface TokenOptions {
  token?: string;
  tokenSource: OptionSource;
  tokenFile?: string;
  tokenFileSource: OptionSource;
}

/**
 * Returns the bearer token a command sends, or undefined for none. Flags win over the
 * environment, and a token wins over a token file from the same place: `--token`,
 * `--token-file`, `CRONMESH_TOKEN`, then `CRONMESH_TOKEN_FILE`. Throws CliError for both flags
 * at once, an unreadable or empty file, and a token that cannot be sent in a header.
 */
export function resolveToken(options: TokenOptions): string | undefined {
  const { token, tokenFile } = options;
  const fromFlag = (source: OptionSource) => source === 'cli';
  if (fromFlag(options.tokenSource) && fromFlag(options.tokenFileSource)) {
    throw new CliError('pass either --token or --token-file, not both');
  }

  if (
    token !== undefined &&
    (fromFlag(options.tokenSource) || !fromFlag(options.tokenFileSource))
  ) {
    return checkToken(token.trim(), options.tokenSource === 'env' ? 'CRONMESH_TOKEN' : '--token');
  }
  if (tokenFile === undefined) return undefined;

  const origin = options.tokenFileSource === 'env' ? 'CRONMESH_TOKEN_FILE' : '--token-file';
  let text: string;
  try {
    text = readFileSync(tokenFile, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : (error as Error).message;
    throw new CliError(
      `cannot read the token file ${JSON.stringify(tokenFile)} (${origin}): ${reason}`,
    );
  }
  return checkToken(text.trim(), `the token file ${JSON.stringify(tokenFile)} (${origin})`);
}

function checkToken(token: string, origin: string): string {
  if (token === '') throw new CliError(`the token from ${origin} is empty`);
  // HTTP header values allow visible ASCII; anything else cannot be sent.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new CliError(
      `the token from ${origin} contains spaces or characters that are not printable ASCII`,
    );
  }
  return token;
}
