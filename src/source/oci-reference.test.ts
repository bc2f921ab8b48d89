import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeOciRepository, ociReferenceOf, parseOciReference } from './oci-reference.ts';

const digest = `sha256:${'a'.repeat(64)}`;

describe('OCI references', () => {
  const accepted: [string, ReturnType<typeof parseOciReference>][] = [
    ['oci://registry.example.com/charts/web', { host: 'registry.example.com', repository: 'charts/web' }],
    ['oci://127.0.0.1:5000/a/b:1.2.3', { host: '127.0.0.1:5000', repository: 'a/b', tag: '1.2.3' }],
    [`oci://Reg.Example.com:443/a@${digest}`, { host: 'reg.example.com', repository: 'a', digest }],
    [`oci://reg/a/b:v1@${digest}`, { host: 'reg', repository: 'a/b', tag: 'v1', digest }],
    ['oci://reg/a/b/', { host: 'reg', repository: 'a/b' }],
  ];
  for (const [raw, expected] of accepted) {
    it(`reads ${raw}`, () => { assert.deepEqual(parseOciReference(raw), expected); });
  }

  const refused: [string, RegExp][] = [
    ['https://reg/a', /starts with oci:\/\//],
    ['oci://reg', /names no repository/],
    ['oci://reg/../etc', /not a repository path/],
    ['oci://reg/a/B', /not a repository path/],
    ['oci://reg/a?x=1', /not a repository path/],
    ['oci://user:pw@reg/a', /^oci:\/\/\*\*\*@reg\/a: must not carry credentials/],
    ['oci://reg/a@sha256:short', /not a sha256 or sha512 digest/],
    ['oci://reg/a:-bad', /not a valid tag/],
    ['oci://reg/a%2F..', /not a repository path/],
  ];
  for (const [raw, message] of refused) {
    it(`refuses ${raw}`, () => { assert.throws(() => parseOciReference(raw), { name: 'InvalidSourceError', message }); });
  }

  it('normalises every spelling of one repository to one key', () => {
    for (const raw of ['oci://REG.example.com:443/team/web', 'oci://reg.example.com/team/web:1.0', `oci://reg.example.com/team/web@${digest}`, ' oci://reg.example.com/team/web/ ']) {
      assert.equal(normalizeOciRepository(raw), 'oci://reg.example.com/team/web');
    }
    assert.equal(normalizeOciRepository('oci://reg.example.com:5000/team/web'), 'oci://reg.example.com:5000/team/web');
    assert.equal(normalizeOciRepository('https://reg/a'), undefined);
  });

  it('appends chart to a registry path, and refuses a tag there', () => {
    assert.deepEqual(ociReferenceOf('oci://reg/charts', 'web'), { host: 'reg', repository: 'charts/web' });
    assert.throws(() => ociReferenceOf('oci://reg/charts:1', 'web'), /names the registry path only/);
  });
});
