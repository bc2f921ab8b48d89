import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseImageOverride } from './kustomize.ts';

describe('parseImageOverride', () => {
  it('reads the forms kustomize edit set image accepts', () => {
    assert.deepEqual(parseImageOverride('nginx:1.27'), { name: 'nginx', newTag: '1.27' });
    assert.deepEqual(parseImageOverride('nginx=registry.local:5000/nginx:1.27'), { name: 'nginx', newName: 'registry.local:5000/nginx', newTag: '1.27' });
    assert.deepEqual(parseImageOverride('app=app@sha256:abc'), { name: 'app', digest: 'sha256:abc' });
    assert.deepEqual(parseImageOverride('registry.local:5000/app'), { name: 'registry.local:5000/app' });
  });
});
