// Public surface of the api layer; other layers import from here or from the single files.
export * from './types.js';
export * from './field-error.js';
export * from './errors.js';
export { decodeManifests, type DecodedDocument, type DecodeResult } from './decode.js';
export {
  checkSchema,
  type FieldSchema,
  type SchemaCheckResult,
  type UnknownFieldMode,
} from './schema.js';
export { statusSchemas, podSchema, eventSchema } from './fields-server.js';
export {
  findServedKind,
  describeKindMismatch,
  type ManifestKind,
  type ServedKind,
} from './kinds.js';
export {
  applyDefaults,
  defaultNamespace,
  defaultTerminationGracePeriodSeconds,
} from './defaults.js';
export {
  validateResource,
  collectWarnings,
  type Operation,
  type ValidateOptions,
} from './validate.js';
export { maxCronJobNameLength } from './validate-cronjob.js';
export {
  parseLabelSelector,
  matchesSelector,
  labelSelectorToRequirements,
  type LabelRequirement,
  type LabelSelector,
} from './selector.js';
export {
  generateJobSelector,
  controllerUidLabel,
  legacyControllerUidLabel,
  jobNameLabel,
  legacyJobNameLabel,
} from './job-selector.js';
export { describeUnenforcedFields } from './unenforced.js';
export { parseQuantity } from './quantity.js';
export { parseIndexIntervals, countIndexes, type IndexInterval } from './indexes.js';
export {
  parseManifests,
  checkResource,
  prepareForCreate,
  prepareForUpdate,
  locate,
  type ParseOptions,
  type ParsedManifests,
  type ManifestSource,
  type PrepareOptions,
  type ResourceCheck,
} from './manifests.js';
