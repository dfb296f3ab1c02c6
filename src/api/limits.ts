/**
 * Limits on the shape of manifests and request bodies, which keep a hostile input from
 * exhausting the stack, memory or CPU of the server or the CLI that decodes it.
 */

/**
 * Maximum nesting of objects and arrays (YAML mappings and sequences), where the manifest itself
 * is level 1. Objects of the served kinds need fewer than 20 levels. Bodies of about 3000 levels
 * overflow the stack of the recursive copy and check functions (measured with Node 20), and
 * SQLite's JSON functions reject more than 1000 levels.
 */
export const maxManifestDepth = 256;

/**
 * Maximum number of times YAML aliases copy their anchored nodes in one document, counting
 * aliases inside anchored nodes as often as they are copied. It stops "billion laughs" inputs,
 * whose few bytes expand to gigabytes. The `yaml` package's option `maxAliasCount` enforces it,
 * and 100 is that option's default.
 */
export const maxYamlAliasCount = 100;
