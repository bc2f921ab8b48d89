/**
 * Captures live objects as health fixtures. The live health tests hand every
 * object they assert on to `captureFixture`; with BERTH_CAPTURE_HEALTH_FIXTURES=1
 * it is written, exactly as the API server returned it (managedFields, uid and
 * resourceVersion kept), to `health/testdata/<kind>-<state>-captured.yaml`, where
 * the per-kind tables of health/ pick it up. Without the variable nothing is
 * written, so an ordinary test run never changes the fixtures.
 *
 *   BERTH_CAPTURE_HEALTH_FIXTURES=1 src/bin/node --test test/health/*.test.ts
 *
 * A captured file is never edited by hand: a state that this control plane cannot
 * reach gets no captured fixture.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dump } from 'js-yaml';
import type { KubeObject } from '../../objects.ts';

export const captureVariable = 'BERTH_CAPTURE_HEALTH_FIXTURES';

const testdata = path.join(import.meta.dirname, '..', '..', 'health', 'testdata');

/** `<kind>-<state>-captured.yaml`, the kind lower-cased as the health tables expect. */
export function capturedFixtureName(object: KubeObject, state: string): string {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(state)) throw new Error(`capture: state "${state}" is not lower-case words joined by dashes`);
  return `${object.kind.toLowerCase()}-${state}-captured.yaml`;
}

export function isCapturing(): boolean {
  return process.env[captureVariable] === '1';
}

/** Writes the live object as a fixture when capturing; returns the file name either way. */
export function captureFixture(object: KubeObject, state: string, version: string): string {
  const name = capturedFixtureName(object, state);
  if (!isCapturing()) return name;
  const header = [
    `# Captured from a real control plane (Kubernetes ${version}, kwok nodes) by`,
    '# test/health/capture.ts while test/health/live-health*.test.ts ran; not edited by hand.',
    '',
  ].join('\n');
  const body = dump(object, { lineWidth: -1, noRefs: true });
  fs.writeFileSync(path.join(testdata, name), header + body);
  return name;
}
