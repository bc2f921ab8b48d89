/**
 * The `spec.source` of an Application: where its manifests live (repository,
 * revision, path) and how to render them (plain directory, Kustomize or Helm).
 * Self-contained so the Application schema can embed it as one field; defaults
 * are resolved here, once, by the schema.
 */
import { z } from 'zod';

/** A glob list: `*.yaml`, `{a,b}/*.json`; matched against paths relative to the source path. */
const globs = z.array(z.string().min(1)).default([]);

export const directorySourceSchema = z.strictObject({
  /** Read subdirectories too. */
  recurse: z.boolean().default(false),
  /** Only files matching one of these globs (default: every .yaml/.yml/.json file). */
  include: globs,
  /** Leave out files matching any of these globs (applied after `include`). */
  exclude: globs,
});

export const kustomizeSourceSchema = z.strictObject({
  namePrefix: z.string().optional(),
  nameSuffix: z.string().optional(),
  /** Namespace set on every namespaced object (kustomize `namespace:`). */
  namespace: z.string().optional(),
  /** Image overrides in `kustomize edit set image` form: `nginx=nginx:1.27`, `app=registry/app@sha256:...`. */
  images: z.array(z.string().min(1)).default([]),
  commonLabels: z.record(z.string(), z.string()).default({}),
  commonAnnotations: z.record(z.string(), z.string()).default({}),
});

export const helmParameterSchema = z.strictObject({
  name: z.string().min(1),
  value: z.string(),
  /** `--set-string` rather than `--set`: the value is never read as a number or boolean. */
  forceString: z.boolean().default(false),
});

export const helmSourceSchema = z.strictObject({
  /** Release name passed to `helm template` (default: the Application's name). */
  releaseName: z.string().min(1).optional(),
  /** Value files, relative to the chart folder; they may not leave the repository. */
  valueFiles: z.array(z.string().min(1)).default([]),
  /** Inline values as a YAML string; applied after the value files. */
  values: z.string().optional(),
  /** Inline values as an object; applied after `values`. */
  valuesObject: z.record(z.string(), z.unknown()).optional().meta({ 'x-kubernetes-preserve-unknown-fields': true }),
  /** `--set` / `--set-string` parameters, applied last. */
  parameters: z.array(helmParameterSchema).default([]),
  /** Leave the chart's crds/ folder out of the output. */
  skipCrds: z.boolean().default(false),
  /** Kubernetes version the templates see as `.Capabilities.KubeVersion`. */
  kubeVersion: z.string().optional(),
  /** Extra API versions for `.Capabilities.APIVersions`. */
  apiVersions: z.array(z.string().min(1)).default([]),
});

/**
 * `scheme://user:token@host`: credentials in a URL end up wherever the URL is
 * shown (API, `berth status`, Redis, logs), so they are refused, as Flux and
 * Argo CD users expect, and belong in `credentialsSecret`. A refinement rather
 * than a CRD pattern: Kubernetes patterns are RE2, which cannot say "no @
 * before the path" without a lookahead.
 */
const urlWithUserInfo = /^https?:\/\/[^/?#]*@/i;

export const sourceSpecSchema = z.strictObject({
  repoURL: z.string().min(1).refine((url) => !urlWithUserInfo.test(url.trim()), {
    message: 'must not carry credentials (user:token@ in the URL): put them in a Secret in the Application\'s namespace and name it in credentialsSecret',
  }),
  /** Branch, tag, full or short commit SHA, or a semver range over tags. Default: the remote's HEAD. */
  targetRevision: z.string().min(1).default('HEAD').describe('Branch, tag, commit SHA or semver range; default HEAD.'),
  /** Folder inside the repository, `.` for its root. */
  path: z.string().min(1).default('.').describe('Folder inside the repository; default `.`.'),
  /**
   * Name of a Secret in the Application's namespace with `token`, or `username`
   * and `password`. A DNS subdomain (the pattern of schema.ts), so no `/` or
   * other namespace can be named.
   */
  credentialsSecret: z.string().max(253, { message: 'must be at most 253 characters' })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { message: "must be the name of a Secret in the Application's namespace (a DNS subdomain)" })
    .optional(),
  /**
   * Reconcile on a new commit only when it changed a file under `path` or one of
   * `watchPaths` (on by default). Turn off for sources that read files elsewhere
   * in the repository in ways Berth cannot see.
   */
  changedPathFilter: z.boolean().default(true).describe('Reconcile a new commit only when it touched path or watchPaths; default true.'),
  /** More folders whose changes concern this Application (e.g. a Kustomize base in `../base`). */
  watchPaths: z.array(z.string().min(1)).default([]),
  directory: directorySourceSchema.optional(),
  kustomize: kustomizeSourceSchema.optional(),
  helm: helmSourceSchema.optional(),
}).refine(
  (source) => [source.directory, source.kustomize, source.helm].filter(Boolean).length <= 1,
  { message: 'at most one of directory, kustomize and helm may be set' },
).meta({
  description: 'Where the manifests live and how to render them.',
  // The same rule as the refine above, for the API server (CEL).
  'x-kubernetes-validations': [{
    rule: '(has(self.directory) ? 1 : 0) + (has(self.kustomize) ? 1 : 0) + (has(self.helm) ? 1 : 0) <= 1',
    message: 'at most one of directory, kustomize and helm may be set',
  }],
});

export type DirectorySource = z.infer<typeof directorySourceSchema>;
export type KustomizeSource = z.infer<typeof kustomizeSourceSchema>;
export type HelmSource = z.infer<typeof helmSourceSchema>;
export type HelmParameter = z.infer<typeof helmParameterSchema>;
/** A source as resolved by the schema (defaults filled in). */
export type SourceSpec = z.infer<typeof sourceSpecSchema>;
/** A source as written by a user (defaults optional). */
export type SourceSpecInput = z.input<typeof sourceSpecSchema>;
