/**
 * Captures real (desired, live, predicted) triples from the control plane into
 * diff/testdata, as fixture cases for diff/fixtures.test.ts. Off unless
 * BERTH_CAPTURE_DIFF_FIXTURES=1, so a normal test run writes nothing.
 *
 * Run `BERTH_CAPTURE_DIFF_FIXTURES=1 src/bin/node --test test/drift/*.test.ts`
 * against a control plane to refresh them. The expected result written is the one the
 * calling test has just asserted, so a capture is only written when the test passes
 * that far. The test namespace is renamed to the case name, so captures are stable.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import type { ObjectDiff } from '../../diff/index.ts';
import { refOf, type KubeObject } from '../../objects.ts';
import type { DriftCheckResult } from '../../sync/drift-check.ts';
import type { Live } from './live.ts';

const testdata = join(import.meta.dirname, '..', '..', 'diff', 'testdata');
export const capturing = process.env.BERTH_CAPTURE_DIFF_FIXTURES === '1';

function renamed(value: unknown, from: string, to: string): unknown {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((item) => renamed(item, from, to));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renamed(item, from, to)]));
  return value;
}

export interface CaseSpec {
  /** Folder name under diff/testdata, `<kind>-<state>`. */
  name: string;
  desired: KubeObject;
  /** Why the case exists, written atop expected.yaml. */
  note: string;
  /** The diff options of the check, when any. */
  options?: Record<string, unknown>;
}

/** Writes one case: desired, live and a fresh forced dry run, plus the result the test asserted. */
export async function captureOne(live: Live, spec: CaseSpec, result: ObjectDiff): Promise<void> {
  if (!capturing) return;
  const namespace = spec.desired.metadata.namespace ?? '';
  const [predicted, current] = await Promise.all([
    live.cluster.apply(spec.desired, { dryRun: true, forceConflicts: true }),
    live.cluster.get(refOf(spec.desired)),
  ]);
  const folder = join(testdata, spec.name);
  mkdirSync(folder, { recursive: true });
  const write = (file: string, object: unknown): void => {
    writeFileSync(join(folder, file), dump(namespace ? renamed(object, namespace, spec.name) : object, { lineWidth: -1, noRefs: true }));
  };
  write('desired.yaml', spec.desired);
  if (current) write('live.yaml', current);
  write('predicted.yaml', predicted);
  if (spec.options) write('options.yaml', spec.options);
  const expected = { status: result.status, mode: result.mode, patch: result.patch };
  writeFileSync(join(folder, 'expected.yaml'), `# ${spec.note} Captured by test/drift.\n${dump(expected, { lineWidth: -1 })}`);
}

/** The corpus kinds diff/testdata had no case of: kind, case name, why. */
const synced: [string, string, string][] = [
  ['StatefulSet', 'statefulset-defaulted-synced', 'volumeClaimTemplates get apiVersion, kind, volumeMode and status; the StatefulSet its policies.'],
  ['Job', 'job-defaulted-synced', 'The API server generates the selector and the pod template labels; Git sets neither.'],
  ['CronJob', 'cronjob-defaulted-synced', 'concurrencyPolicy, suspend, history limits and the whole job template are defaulted.'],
  ['Ingress', 'ingress-defaulted-synced', 'A named and a numbered service port; nothing defaulted must be drift.'],
  ['Gadget', 'custom-resource-schema-defaults-synced', 'A custom resource whose CRD schema defaults spec.mode, spec.options.retries and the ports\' protocol.'],
  ['Role', 'role-empty-rules-synced', 'rules: [] in Git.'],
  ['HorizontalPodAutoscaler', 'horizontalpodautoscaler-defaulted-synced', 'autoscaling/v2 behavior defaults and the controller\'s status.'],
];

/** Captures the corpus objects of the kinds above (when capturing). */
export async function captureCase(live: Live, corpus: readonly KubeObject[], result: DriftCheckResult): Promise<void> {
  if (!capturing) return;
  for (const [kind, name, note] of synced) {
    const desired = corpus.find((object) => object.kind === kind);
    const diff = result.objects.find((object) => object.ref.kind === kind);
    if (desired && diff) await captureOne(live, { name, desired, note }, diff);
  }
  const empty = corpus.find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'empty');
  const emptyDiff = result.objects.find((object) => object.ref.kind === 'ConfigMap' && object.ref.name === 'empty');
  if (empty && emptyDiff) await captureOne(live, { name: 'configmap-empty-data-synced', desired: empty, note: 'data: {} in Git.' }, emptyDiff);
}
