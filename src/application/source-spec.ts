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

/*
 * Renderer inputs, validated by type (issue #13): each reaches helm or kustomize
 * only as the value of a flag (`--kube-version=...`) or inside a generated
 * kustomization, never as an option, but a value that is not what its field
 * means is refused here, with the field named, before any renderer runs. The
 * patterns are RE2 (no lookaround), so the CRD generated from this schema says the same.
 */
/** What Helm accepts as a release name: a DNS-1123 label of at most 53 characters (`helm template` checks the same). */
const releaseNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** `1.31`, `v1.31.2`, `v1.31.0-gke.100`: what `helm template --kube-version` parses. */
const kubeVersionPattern = /^v?[0-9]+\.[0-9]+(\.[0-9]+)?([-+][0-9A-Za-z.+-]+)?$/;
/** `v1`, `apps/v1`, `monitoring.coreos.com/v1/ServiceMonitor`: helm's `--api-versions` forms. */
const apiVersionPattern = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?v[0-9]+[a-z0-9]*(\/[A-Za-z][A-Za-z0-9]*)?$/;
/** No control characters (a newline would start another line of a generated file or message). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const printable = /^[^\x00-\x1f\x7f]+$/;
const namespacePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Characters a name prefix or suffix may add to a DNS-1123 name. */
const nameAffixPattern = /^[a-z0-9.-]*$/;
/** An image reference or a `kustomize edit set image` override: no whitespace. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const imagePattern = /^[^\s\x00-\x1f\x7f]+$/;
/** A label or annotation key: an optional DNS-subdomain prefix and a name of at most 63 characters. */
const metadataKeyPattern = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const labelValuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function isMetadataKey(key: string): boolean {
  const name = key.slice(key.indexOf('/') + 1);
  return metadataKeyPattern.test(key) && name.length <= 63 && key.length - name.length <= 254;
}
/** A map of label or annotation keys; keys are checked by a refinement so the CRD stays structural (no propertyNames). */
const metadataMap = (value: z.ZodString) => z.record(z.string(), value).refine(
  (map) => Object.keys(map).every(isMetadataKey),
  { message: 'keys must be label keys: an optional DNS-subdomain prefix and "/", then at most 63 letters, digits, "-", "_", "."' },
).default({});

export const kustomizeSourceSchema = z.strictObject({
  namePrefix: z.string().max(253).regex(nameAffixPattern).optional(),
  nameSuffix: z.string().max(253).regex(nameAffixPattern).optional(),
  /** Namespace set on every namespaced object (kustomize `namespace:`). */
  namespace: z.string().max(63).regex(namespacePattern).optional(),
  /** Image overrides in `kustomize edit set image` form: `nginx=nginx:1.27`, `app=registry/app@sha256:...`. */
  images: z.array(z.string().min(1).max(1024).regex(imagePattern)).default([]),
  commonLabels: metadataMap(z.string().max(63).regex(labelValuePattern)),
  commonAnnotations: metadataMap(z.string()),
});

export const helmParameterSchema = z.strictObject({
  /** Passed as one argument `--set=name=value`: commas, `=` and `{}` are Helm's own syntax, never another option. */
  name: z.string().min(1).regex(printable),
  value: z.string(),
  /** `--set-string` rather than `--set`: the value is never read as a number or boolean. */
  forceString: z.boolean().default(false),
});

export const helmSourceSchema = z.strictObject({
  /** Release name passed to `helm template` (default: the Application's name). */
  releaseName: z.string().min(1).max(53).regex(releaseNamePattern).optional(),
  /** Value files, relative to the chart folder; they may not leave the repository. */
  valueFiles: z.array(z.string().min(1).max(4096).regex(printable)).default([]),
  /** Inline values as a YAML string; applied after the value files. */
  values: z.string().optional(),
  /** Inline values as an object; applied after `values`. */
  valuesObject: z.record(z.string(), z.unknown()).optional().meta({ 'x-kubernetes-preserve-unknown-fields': true }),
  /** `--set` / `--set-string` parameters, applied last. */
  parameters: z.array(helmParameterSchema).default([]),
  /** Leave the chart's crds/ folder out of the output. */
  skipCrds: z.boolean().default(false),
  /** Kubernetes version the templates see as `.Capabilities.KubeVersion`. */
  kubeVersion: z.string().max(64).regex(kubeVersionPattern).optional(),
  /** Extra API versions for `.Capabilities.APIVersions`. */
  apiVersions: z.array(z.string().min(1).max(317).regex(apiVersionPattern)).default([]),
});

/**
 * `scheme://user:token@host`: credentials in a URL end up wherever the URL is
 * shown (API, `berth status`, Redis, logs), so they are refused, as Flux and
 * Argo CD users expect, and belong in `credentialsSecret`. A refinement rather
 * than a CRD pattern: Kubernetes patterns are RE2, which cannot say "no @
 * before the path" without a lookahead.
 */
const urlWithUserInfo = /^https?:\/\/[^/?#]*@/i;

/** The name of a Secret in the Application's namespace: a DNS subdomain, so no `/` or other namespace can be named. */
const secretInNamespace = z.string().max(253, { message: 'must be at most 253 characters' })
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { message: "must be the name of a Secret in the Application's namespace (a DNS subdomain)" });

/**
 * `source.verify`: deploy only what a trusted key signed (issue 16). The Secret
 * is read as the Application, from its own namespace: OpenPGP public keys in any
 * entry (armored, `gpg --export --armor`) and SSH keys in `allowed_signers`
 * (ssh-keygen's format, as git's gpg.ssh.allowedSignersFile).
 */
export const verifySourceSchema = z.strictObject({
  /** `HEAD`: the commit deployed must be signed; `Tag`: the annotated tag targetRevision resolved to; `TagAndHEAD`: both. */
  mode: z.enum(['HEAD', 'Tag', 'TagAndHEAD']).default('HEAD')
    .describe('HEAD: the deployed commit must be signed; Tag: the tag it was resolved from; TagAndHEAD: both. Default HEAD.'),
  secretRef: z.strictObject({ name: secretInNamespace }),
}).meta({ description: 'Deploy only commits (and tags) signed by a key of this Secret: OpenPGP public keys, or SSH keys in allowed_signers.' });

export const sourceSpecSchema = z.strictObject({
  repoURL: z.string().min(1).refine((url) => !urlWithUserInfo.test(url.trim()), {
    message: 'must not carry credentials (user:token@ in the URL): put them in a Secret in the Application\'s namespace and name it in credentialsSecret',
  }),
  /**
   * A chart in the Helm repository at repoURL (an https:// repository with an
   * index.yaml), or appended to an oci:// repoURL (`oci://host/charts` + `web`).
   * targetRevision is then a chart version, a semver range, `HEAD` for the newest
   * stable version, or (OCI) a tag or digest; the digest is recorded as the revision.
   */
  chart: z.string().min(1).max(250).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'must be a chart name (letters, digits, . _ -)' }).optional()
    .describe('Chart name in the Helm repository (or OCI path) at repoURL.'),
  /** Branch, tag, full or short commit SHA, or a semver range over tags. Default: the remote's HEAD. */
  targetRevision: z.string().min(1).default('HEAD').describe('Branch, tag, commit SHA or semver range; default HEAD.'),
  /** Folder inside the repository, `.` for its root. */
  path: z.string().min(1).default('.').describe('Folder inside the repository; default `.`.'),
  /**
   * Name of a Secret in the Application's namespace with `token`, or `username`
   * and `password`. A DNS subdomain (the pattern of schema.ts), so no `/` or
   * other namespace can be named.
   */
  credentialsSecret: secretInNamespace.optional(),
  /**
   * Reconcile on a new commit only when it changed a file under `path` or one of
   * `watchPaths` (on by default). Turn off for sources that read files elsewhere
   * in the repository in ways Berth cannot see.
   */
  changedPathFilter: z.boolean().default(true).describe('Reconcile a new commit only when it touched path or watchPaths; default true.'),
  /** More folders whose changes concern this Application (e.g. a Kustomize base in `../base`). */
  watchPaths: z.array(z.string().min(1)).default([]),
  verify: verifySourceSchema.optional(),
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
export type VerifySource = z.infer<typeof verifySourceSchema>;
/** A source as resolved by the schema (defaults filled in). */
export type SourceSpec = z.infer<typeof sourceSpecSchema>;
/** A source as written by a user (defaults optional). */
export type SourceSpecInput = z.input<typeof sourceSpecSchema>;
