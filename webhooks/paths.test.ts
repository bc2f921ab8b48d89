import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeRepositoryPath, pathsTouch, pushTouchesPaths } from './paths.ts';

const changed = ['apps/web/deployment.yaml', 'README.md'];

describe('pathsTouch', () => {
  it('finds a changed file inside the folder, at any depth', () => {
    assert.equal(pathsTouch(changed, 'apps/web'), true);
    assert.equal(pathsTouch(changed, 'apps'), true);
    assert.equal(pathsTouch(['apps/web/overlays/prod/patch.yaml'], 'apps/web'), true);
  });

  it('compares whole path segments: apps/web2 is not inside apps/web', () => {
    assert.equal(pathsTouch(['apps/web2/deployment.yaml'], 'apps/web'), false);
    assert.equal(pathsTouch(['apps/web-old.yaml'], 'apps/web'), false);
    assert.equal(pathsTouch(['apps/we/x.yaml'], 'apps/web'), false);
  });

  it('counts the folder itself as touched (a submodule, or a file where the folder should be)', () => {
    assert.equal(pathsTouch(['apps/web'], 'apps/web'), true);
  });

  it('reads ., / and the empty path as the whole repository', () => {
    for (const root of ['.', '', '/', './']) assert.equal(pathsTouch(changed, root), true, root);
    assert.equal(pathsTouch([], '.'), false);
  });

  it('tolerates ./ prefixes, trailing and doubled slashes on either side', () => {
    assert.equal(pathsTouch(changed, './apps/web/'), true);
    assert.equal(pathsTouch(['/apps//web/deployment.yaml'], 'apps/web'), true);
    assert.equal(pathsTouch(changed, 'apps/./web'), true);
  });

  it('is case-sensitive, as Git is', () => {
    assert.equal(pathsTouch(changed, 'Apps/Web'), false);
  });

  it('takes several folders (the path and its watch paths)', () => {
    assert.equal(pathsTouch(['base/deployment.yaml'], ['apps/web', 'base']), true);
    assert.equal(pathsTouch(['base/deployment.yaml'], ['apps/web', 'apps/api']), false);
    assert.equal(pathsTouch(changed, []), false);
  });

  it('resolves .. inside the repository and never matches a folder outside it', () => {
    assert.equal(pathsTouch(['base/deployment.yaml'], 'apps/web/../../base'), true);
    assert.equal(pathsTouch(changed, '../elsewhere'), false);
  });
});

describe('normalizeRepositoryPath', () => {
  it('normalizes, and refuses paths that leave the repository', () => {
    assert.equal(normalizeRepositoryPath('./apps//web/'), 'apps/web');
    assert.equal(normalizeRepositoryPath('.'), '');
    assert.equal(normalizeRepositoryPath('apps/..'), '');
    assert.equal(normalizeRepositoryPath('..'), undefined);
  });
});

describe('pushTouchesPaths', () => {
  it('trusts a complete list both ways', () => {
    assert.equal(pushTouchesPaths({ status: 'complete', paths: changed }, 'apps/web'), 'touched');
    assert.equal(pushTouchesPaths({ status: 'complete', paths: changed }, 'apps/api'), 'untouched');
  });

  it('trusts a partial list only when it shows a touch', () => {
    assert.equal(pushTouchesPaths({ status: 'partial', paths: changed, reason: 'truncated' }, 'apps/web'), 'touched');
    assert.equal(pushTouchesPaths({ status: 'partial', paths: changed, reason: 'truncated' }, 'apps/api'), 'unknown');
  });

  it('knows nothing without a list', () => {
    assert.equal(pushTouchesPaths({ status: 'unavailable', reason: 'Bitbucket' }, '.'), 'unknown');
  });
});
