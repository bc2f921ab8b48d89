/**
 * The options of a diff and their defaults, resolved in one place
 * (as gitops-engine's diff_options.go and Flux's DefaultApplyOptions()).
 */
import { randomBytes } from 'node:crypto';

/**
 * An Argo CD-like `ignoreDifferences` entry. `group` defaults to the core group ('');
 * `group` and `kind` accept `*`. `namespace` and `name`, when given, must match exactly.
 */
export interface IgnoreDifferenceRule {
  group?: string;
  kind: string;
  namespace?: string;
  name?: string;
  /** RFC 6901 pointers removed from both sides before comparing. */
  jsonPointers?: readonly string[];
  /** Fields that these managers own in the live object (its managedFields) are removed from both sides. */
  managedFieldsManagers?: readonly string[];
}

/**
 * Declares the item key of a list that the built-in table does not know, for example from a
 * CRD schema's `x-kubernetes-list-type: map` and `x-kubernetes-list-map-keys`.
 * `path` is a JSON pointer to the list (`/spec/endpoints`); a segment that is just `*`
 * matches any one segment, such as the index of an enclosing list.
 */
export interface ListKeyRule {
  group?: string;
  kind?: string;
  path: string;
  keys: readonly string[];
}

export interface DiffOptions {
  ignoreDifferences: readonly IgnoreDifferenceRule[];
  listKeys: readonly ListKeyRule[];
  /**
   * HMAC key of the Secret value placeholders. The default is random per process: a
   * placeholder can only be compared with placeholders from the same process.
   */
  secretMaskKey: Uint8Array;
  /** Lines of context around each change in the text diff. */
  textDiffContext: number;
}

const processMaskKey: Uint8Array = randomBytes(32);

export function defaultDiffOptions(): DiffOptions {
  return { ignoreDifferences: [], listKeys: [], secretMaskKey: processMaskKey, textDiffContext: 3 };
}

export function resolveDiffOptions(options: Partial<DiffOptions> = {}): DiffOptions {
  const defaults = defaultDiffOptions();
  return {
    ignoreDifferences: options.ignoreDifferences ?? defaults.ignoreDifferences,
    listKeys: options.listKeys ?? defaults.listKeys,
    secretMaskKey: options.secretMaskKey ?? defaults.secretMaskKey,
    textDiffContext: options.textDiffContext ?? defaults.textDiffContext,
  };
}
