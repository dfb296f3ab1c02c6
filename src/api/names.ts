/**
 * Name and label checks of k8s.io/apimachinery/pkg/util/validation. Each returns the list of
 * Kubernetes' messages (empty when the value is valid), so callers can wrap them in field errors.
 */

const dns1123LabelFormat = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFormat = `${dns1123LabelFormat}(\\.${dns1123LabelFormat})*`;
const qualifiedNameFormat = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelValueFormat = `(${qualifiedNameFormat})?`;
const configMapKeyFormat = '[-._a-zA-Z0-9]+';

const dns1123LabelPattern = new RegExp(`^${dns1123LabelFormat}$`);
const dns1123SubdomainPattern = new RegExp(`^${dns1123SubdomainFormat}$`);
const qualifiedNamePattern = new RegExp(`^${qualifiedNameFormat}$`);
const labelValuePattern = new RegExp(`^${labelValueFormat}$`);
const configMapKeyPattern = new RegExp(`^${configMapKeyFormat}$`);

export const dns1123LabelMaxLength = 63;
export const dns1123SubdomainMaxLength = 253;
export const qualifiedNameMaxLength = 63;
export const labelValueMaxLength = 63;

export function maxLengthMessage(length: number): string {
  return `must be no more than ${length} characters`;
}

/** Kubernetes' RegexError text, including its double space between examples. */
function regexMessage(message: string, format: string, ...examples: string[]): string {
  if (examples.length === 0) return `${message} (regex used for validation is '${format}')`;
  const quoted = examples.map((example) => `'${example}', `).join(' or ');
  return `${message} (e.g. ${quoted}regex used for validation is '${format}')`;
}

const dns1123LabelMessage =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const dns1123SubdomainMessage =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const qualifiedNameMessage =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueMessage =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const configMapKeyMessage =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";

export function checkDns1123Label(value: string): string[] {
  const messages: string[] = [];
  if (value.length > dns1123LabelMaxLength) messages.push(maxLengthMessage(dns1123LabelMaxLength));
  if (!dns1123LabelPattern.test(value)) {
    messages.push(regexMessage(dns1123LabelMessage, dns1123LabelFormat, 'my-name', '123-abc'));
  }
  return messages;
}

export function checkDns1123Subdomain(value: string): string[] {
  const messages: string[] = [];
  if (value.length > dns1123SubdomainMaxLength)
    messages.push(maxLengthMessage(dns1123SubdomainMaxLength));
  if (!dns1123SubdomainPattern.test(value)) {
    messages.push(regexMessage(dns1123SubdomainMessage, dns1123SubdomainFormat, 'example.com'));
  }
  return messages;
}

/** Label keys and annotation keys: an optional DNS subdomain prefix and `/`, then a name. */
export function checkQualifiedName(value: string): string[] {
  const messages: string[] = [];
  const parts = value.split('/');
  if (parts.length > 2) {
    const base = regexMessage(
      qualifiedNameMessage,
      qualifiedNameFormat,
      'MyName',
      'my.name',
      '123-abc',
    );
    return [
      `a qualified name ${base} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }

  const name = parts.length === 2 ? (parts[1] ?? '') : value;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') messages.push('prefix part must be non-empty');
    else messages.push(...checkDns1123Subdomain(prefix).map((message) => `prefix part ${message}`));
  }

  if (name === '') messages.push('name part must be non-empty');
  else if (name.length > qualifiedNameMaxLength)
    messages.push(`name part ${maxLengthMessage(qualifiedNameMaxLength)}`);
  if (!qualifiedNamePattern.test(name)) {
    messages.push(
      `name part ${regexMessage(qualifiedNameMessage, qualifiedNameFormat, 'MyName', 'my.name', '123-abc')}`,
    );
  }
  return messages;
}

export function checkLabelValue(value: string): string[] {
  const messages: string[] = [];
  if (value.length > labelValueMaxLength) messages.push(maxLengthMessage(labelValueMaxLength));
  if (!labelValuePattern.test(value)) {
    messages.push(
      regexMessage(labelValueMessage, labelValueFormat, 'MyValue', 'my_value', '12345'),
    );
  }
  return messages;
}

/** Keys of ConfigMap and Secret data, which become file names when mounted. */
export function checkConfigMapKey(value: string): string[] {
  const messages: string[] = [];
  if (value.length > dns1123SubdomainMaxLength)
    messages.push(maxLengthMessage(dns1123SubdomainMaxLength));
  if (!configMapKeyPattern.test(value)) {
    messages.push(
      regexMessage(configMapKeyMessage, configMapKeyFormat, 'key.name', 'KEY_NAME', 'key-name'),
    );
  }
  if (value === '.') messages.push("must not be '.'");
  else if (value === '..') messages.push("must not be '..'");
  else if (value.startsWith('..')) messages.push("must not start with '..'");
  return messages;
}

/**
 * Environment variable names under the relaxed rule (any printable ASCII except `=`), which is
 * on by default since Kubernetes 1.32.
 */
export function checkEnvVarName(value: string): string[] {
  if (/^[\x20-\x3c\x3e-\x7e]+$/.test(value)) return [];
  return [
    "a valid environment variable name must consist only of printable ASCII characters other than '='",
  ];
}

/** IANA service names used as container port names. */
export function checkPortName(value: string): string[] {
  const messages: string[] = [];
  if (value.length > 15) messages.push(maxLengthMessage(15));
  if (!/^[-a-z0-9]+$/.test(value)) {
    messages.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  }
  if (!/[a-z]/.test(value)) messages.push('must contain at least one letter (a-z)');
  if (value.includes('--')) messages.push('must not contain consecutive hyphens');
  if (value.startsWith('-') || value.endsWith('-'))
    messages.push('must not begin or end with a hyphen');
  return messages;
}
