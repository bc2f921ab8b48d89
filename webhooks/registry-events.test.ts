/**
 * Registry webhooks with the deliveries the registries document: the
 * notification envelope of distribution/distribution's docs/content/about/
 * notifications.md (a manifest push with two blob pushes; a pull) and Harbor's
 * PUSH_ARTIFACT example from its webhook documentation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { artifactMatchesRevision, parseRegistryWebhook, resolveRegistryProvider, type ArtifactEvent, type RegistryWebhookResult } from './registry-events.ts';
import { checkBeforeBody } from './streaming-verification.ts';
import { body, fixture, fixtureObject } from './testdata/deliveries.ts';

const secret = 'registry-webhook-secret';
const bearer = { authorization: `Bearer ${secret}` };
const distributionType = { 'content-type': 'application/vnd.docker.distribution.events.v1+json' };

function events(result: RegistryWebhookResult): readonly ArtifactEvent[] {
  if (result.kind !== 'artifact') throw new Error(`expected artifacts, got ${JSON.stringify(result)}`);
  return result.events;
}

describe('OCI distribution notifications', () => {
  it('reads a manifest push, naming the repository on every host the envelope gives, and skips its blob pushes', () => {
    const result = parseRegistryWebhook('oci-distribution', { ...distributionType, ...bearer }, fixture('oci-distribution-push'), { secret });
    assert.deepEqual(result, {
      kind: 'artifact', deliveryId: 'asdf-asdf-asdf-asdf-0',
      events: [{
        provider: 'oci-distribution',
        repositories: ['oci://registrycluster.local/library/test', 'oci://example.com/library/test'],
        digest: 'sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf',
      }],
    });
  });

  it('ignores pulls, and accepts the v2 media type and plain JSON', () => {
    assert.equal(parseRegistryWebhook('oci-distribution', { ...distributionType, ...bearer }, fixture('oci-distribution-pull'), { secret }).kind, 'ignored');
    const pushed = { events: [{ ...(fixtureObject('oci-distribution-pull').events as object[])[0], action: 'push' }] };
    for (const type of ['application/vnd.docker.distribution.events.v2+json', 'application/json; charset=utf-8']) {
      const [event] = events(parseRegistryWebhook('oci-distribution', { 'content-type': type, ...bearer }, body(pushed), { secret }));
      assert.deepEqual(event?.repositories, ['oci://192.168.100.227:5000/hello-world']);
      assert.equal(event.tag, 'latest');
    }
    assert.equal(parseRegistryWebhook('oci-distribution', { 'content-type': 'text/plain', ...bearer }, fixture('oci-distribution-push'), { secret }).kind, 'rejected');
  });

  it('refuses a missing or wrong bearer token with 401, before the body is read too', () => {
    for (const headers of [{}, { authorization: `Basic ${secret}` }, { authorization: 'Bearer guess' }, { authorization: `${secret}x` }]) {
      const result = parseRegistryWebhook('oci-distribution', { ...distributionType, ...headers }, fixture('oci-distribution-push'), { secret });
      assert.equal(result.kind === 'rejected' ? result.status : result.kind, 401, JSON.stringify(headers));
      const early = checkBeforeBody('oci-distribution', { ...distributionType, ...headers }, { secret, maxBodyBytes: 1 << 20 });
      assert.equal(early.kind === 'rejected' ? early.status : early.kind, 401);
    }
    assert.equal(checkBeforeBody('harbor', bearer, { secret, maxBodyBytes: 1 << 20 }).kind, 'read-body');
    const empty = parseRegistryWebhook('harbor', bearer, fixture('harbor-push-artifact'), { secret: '' });
    assert.equal(empty.kind === 'rejected' ? empty.status : empty.kind, 401);
  });

  it('refuses a malformed envelope naming the field, and never a host that is not one', () => {
    const broken = parseRegistryWebhook('oci-distribution', { ...distributionType, ...bearer }, body({ events: [{ action: 'push', target: { digest: 'sha256:x' } }] }), { secret });
    assert.equal(broken.kind, 'rejected');
    assert.match(broken.reason, /^events\[0\]\.target\./);
    const hostile = { events: [{ id: '1', action: 'push', target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, repository: 'team/web', url: 'https://user:pw@evil/../x' }, request: { host: 'evil host' } }] };
    assert.equal(parseRegistryWebhook('oci-distribution', { ...distributionType, ...bearer }, body(hostile), { secret }).kind, 'ignored');
  });
});

describe('Harbor', () => {
  it('reads PUSH_ARTIFACT: the host from resource_url, the repository, tag and digest', () => {
    assert.deepEqual(events(parseRegistryWebhook('harbor', bearer, fixture('harbor-push-artifact'), { secret })), [{
      provider: 'harbor', repositories: ['oci://hub.harbor.com/test-webhook/debian'], tag: 'latest',
      digest: 'sha256:8a9e9863dbb6e10edb5adfe917c00da84e1700fa76e7ed02476aa6e6fb8ee0d8',
    }]);
  });

  it('ignores other Harbor events once authenticated, and drops a digest posing as a tag', () => {
    assert.deepEqual(parseRegistryWebhook('harbor', bearer, body({ ...fixtureObject('harbor-push-artifact'), type: 'PULL_ARTIFACT' }), { secret }), {
      kind: 'ignored', reason: 'Harbor event "PULL_ARTIFACT" does not push an artifact',
    });
    const payload = fixtureObject('harbor-push-artifact') as { event_data: { resources: { tag?: string; digest: string }[] } };
    const [resource] = payload.event_data.resources;
    if (resource) resource.tag = resource.digest;
    assert.equal(events(parseRegistryWebhook('harbor', bearer, body(payload), { secret }))[0]?.tag, undefined);
  });

  it('reads a PUSH_ARTIFACT captured from a running Harbor, with the Auth Header sent as typed (the token alone)', () => {
    // From argocd-image-updater's hack/test_real_payload.sh, which replays a delivery its author's Harbor sent.
    assert.deepEqual(events(parseRegistryWebhook('harbor', { authorization: secret, 'content-type': 'application/json' }, fixture('harbor-push-artifact-captured'), { secret })), [{
      provider: 'harbor', repositories: ['oci://hb.nicolas.my.id/library/rumput'], tag: 'v1',
      digest: 'sha256:76525f02955aec223342400a080c73024c995c9db1ba2eabf7505cf3bdf3f1f0',
    }]);
  });

  it('answers to its names in the URL path', () => {
    assert.equal(resolveRegistryProvider('Harbor'), 'harbor');
    assert.equal(resolveRegistryProvider('distribution'), 'oci-distribution');
    assert.equal(resolveRegistryProvider('quay'), undefined);
  });
});

describe('artifactMatchesRevision', () => {
  const event: ArtifactEvent = { provider: 'harbor', repositories: ['oci://r/x'], tag: 'v1.4.0', digest: `sha256:${'b'.repeat(64)}` };
  const rows: readonly [string | undefined, boolean][] = [
    [undefined, true], ['HEAD', true], ['^1.0.0', true], ['>=1.2 <2', true], ['1.x', true], ['1.4', true],
    ['v1.4.0', true], ['1.4.0', true], ['1.3.0', false], ['latest', false], ['v1.4.0-rc.1', false],
    [`sha256:${'b'.repeat(64)}`, true], [`sha256:${'c'.repeat(64)}`, false],
  ];
  for (const [revision, queued] of rows) {
    it(`${queued ? 'queues' : 'skips'} a source at ${revision ?? '(none)'} for a push of v1.4.0`, () => {
      assert.equal(artifactMatchesRevision(event, revision), queued);
    });
  }
});

describe('registry deliveries, whatever the bytes', () => {
  it('never throw, and never yield an artifact without the right bearer token', () => {
    let state = 7;
    const next = (): number => { state = (state * 1103515245 + 12345) % 2147483648; return state / 2147483648; };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const pieces = ['{', '}', '[', ']', '"events"', '"push"', '"action"', ':', ',', '"target"', '"repository"', '"digest"', `"sha256:${'a'.repeat(64)}"`, '"type"', '"PUSH_ARTIFACT"', '"event_data"', '"resources"', '"resource_url"', 'null', '1e999', '"\u0000"'];
    const valid = [fixture('oci-distribution-push'), fixture('harbor-push-artifact')];
    for (let i = 0; i < 2000; i++) {
      const bytes = next() < 0.3
        ? Buffer.from(Array.from({ length: Math.floor(next() * 40) }, () => pick(pieces)).join(''))
        : Buffer.from(pick(valid).toString('utf8').slice(0, Math.floor(next() * 2000)));
      const provider = pick(['oci-distribution', 'harbor'] as const);
      const signed = next() < 0.7;
      const headers = { ...(signed ? bearer : { authorization: pick(['Bearer x', `Bearer ${secret}x`, '']) }), 'content-type': pick(['application/json', 'application/vnd.docker.distribution.events.v1+json']) };
      const result = parseRegistryWebhook(provider, headers, bytes, { secret });
      if (!signed) assert.equal(result.kind === 'rejected' ? result.status : result.kind, 401, `case ${i}`);
      if (result.kind === 'artifact') assert.ok(result.events.every((event) => event.repositories.every((repository) => /^oci:\/\/[a-z0-9.:[\]-]+\/\S+$/.test(repository))), `case ${i}`);
    }
  });
});
