/** Charts pushed to the test registry with `helm push`, for the OCI and Helm repository source tests. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { neverReadyAnnotation } from '../harness/kwok.ts';
import type { TestRegistry } from '../harness/registry.ts';

/** A chart `web`: a ConfigMap naming its version and a Deployment that never becomes Ready when `broken`. */
export function writeWebChart(root: string, version: string, broken = false): string {
  const dir = path.join(root, `web-${version}`, 'web');
  fs.mkdirSync(path.join(dir, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Chart.yaml'), `apiVersion: v2\nname: web\nversion: ${version}\n`);
  fs.writeFileSync(path.join(dir, 'templates', 'config.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-version\ndata:\n  value: {{ .Chart.Version | quote }}\n');
  fs.writeFileSync(path.join(dir, 'templates', 'deployment.yaml'), [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', 'spec:', '  replicas: 1', '  progressDeadlineSeconds: 5',
    '  selector: { matchLabels: { app: web } }', '  template:', '    metadata:', '      labels: { app: web }',
    ...(broken ? ['      annotations:', `        ${neverReadyAnnotation}: "true"`] : []),
    '    spec:', `      containers: [{ name: web, image: "registry.example/web:${version}" }]`, '',
  ].join('\n'));
  return path.dirname(dir);
}

/** `helm package` + `helm push`; returns the pushed digest. */
export async function pushChart(registry: TestRegistry, root: string, version: string, broken = false): Promise<string> {
  const folder = writeWebChart(root, version, broken);
  await registry.helm(['package', 'web', `--destination=${folder}`], folder);
  const out = await registry.helm(['push', path.join(folder, `web-${version}.tgz`), `oci://${registry.host}/charts`, '--plain-http'], folder);
  const digest = /Digest: (sha256:[a-f0-9]{64})/.exec(out)?.[1];
  assert.ok(digest, out);
  return digest;
}

