import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeliveryOutcome, HttpPost, HttpRequest, ProviderConfig } from './event.ts';
import { maxRetryAfterMs, parseRetryAfter } from './http-outcome.ts';
import { sendNotification } from './provider.ts';
import { commentHost, recorder, sampleEvent } from './testdata/fake-host.ts';

const now = Date.parse('2026-12-02T13:30:00Z');

describe('Retry-After', () => {
  /** [header, milliseconds from now] */
  const cases: [string | undefined, number | undefined][] = [
    [undefined, undefined],
    ['120', 120_000],
    [' 0 ', 0],
    ['Wed, 02 Dec 2026 13:30:30 GMT', 30_000],
    ['Wed, 02 Dec 2026 13:00:00 GMT', 0],
    ['99999999', maxRetryAfterMs],
    ['-5', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['2026-12-02T13:31:00Z', undefined],
  ];
  for (const [header, expected] of cases) {
    it(`${header === undefined ? '(absent)' : JSON.stringify(header)} -> ${String(expected)}`, () => {
      assert.equal(parseRetryAfter(header, now), expected);
    });
  }
});

describe('HTTP outcomes', () => {
  const config: ProviderConfig = { kind: 'webhook', name: 'shop/hook', address: 'https://receiver.example.com/berth', secret: 'k3y-value' };
  /** [what, status, headers, expected result, expected retryAfterMs] */
  const cases: [string, number, Record<string, string>, DeliveryOutcome['result'], number | undefined][] = [
    ['200 OK', 200, {}, 'delivered', undefined],
    ['202 Accepted (Teams workflows)', 202, {}, 'delivered', undefined],
    ['204 No Content', 204, {}, 'delivered', undefined],
    ['429 with Retry-After seconds', 429, { 'retry-after': '7' }, 'retry', 7000],
    ['429 with an HTTP-date', 429, { 'retry-after': 'Wed, 02 Dec 2026 13:31:00 GMT' }, 'retry', 60_000],
    ['429 without Retry-After', 429, {}, 'retry', undefined],
    ['500', 500, {}, 'retry', undefined],
    ['503 with Retry-After', 503, { 'retry-after': '30' }, 'retry', 30_000],
    ['408 Request Timeout', 408, {}, 'retry', undefined],
    ['GitHub primary rate limit: 403 with x-ratelimit-remaining 0', 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 90) }, 'retry', 90_000],
    ['GitHub secondary rate limit: 403 with Retry-After', 403, { 'retry-after': '60' }, 'retry', 60_000],
    ['403 otherwise', 403, {}, 'dropped', undefined],
    ['400 Bad Request', 400, {}, 'dropped', undefined],
    ['401 Unauthorized', 401, {}, 'dropped', undefined],
    ['404 Not Found', 404, {}, 'dropped', undefined],
    ['410 Gone (Slack: channel archived)', 410, {}, 'dropped', undefined],
    ['422 Unprocessable', 422, {}, 'dropped', undefined],
    ['302 redirect (never followed)', 302, { location: 'https://elsewhere.example/' }, 'dropped', undefined],
  ];
  for (const [what, status, headers, result, retryAfterMs] of cases) {
    it(`${what} -> ${result}${retryAfterMs === undefined ? '' : ` after ${retryAfterMs} ms`}`, async () => {
      const { http } = recorder({ status, headers, body: 'receiver says no' });
      const outcome = await sendNotification(config, sampleEvent(), http, { now: () => now });
      assert.equal(outcome.result, result);
      assert.equal('retryAfterMs' in outcome ? outcome.retryAfterMs : undefined, retryAfterMs);
      if (result !== 'delivered') assert.match('reason' in outcome ? outcome.reason : '', new RegExp(`webhook of shop/hook \\(receiver\\.example\\.com\\): HTTP ${status}: receiver says no`));
    });
  }

  for (const failure of [new Error('connect ECONNREFUSED 127.0.0.1:9'), Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' })]) {
    it(`no response (${failure.message}) -> retry`, async () => {
      const { http } = recorder(failure);
      const outcome = await sendNotification(config, sampleEvent(), http);
      assert.equal(outcome.result, 'retry');
      assert.match('reason' in outcome ? outcome.reason : '', /no response/);
    });
  }

  it('hands every request the configured timeout (10 s by default)', async () => {
    const seen: number[] = [];
    const http: HttpPost = (request) => {
      seen.push(request.timeoutMs);
      return Promise.resolve({ status: 200, headers: {}, body: '' });
    };
    await sendNotification(config, sampleEvent(), http);
    await sendNotification({ ...config, options: { timeoutMs: 1500 } }, sampleEvent(), http);
    assert.deepEqual(seen, [10_000, 1500]);
  });
});

describe('no secret in any outcome', () => {
  const token = 'ghp_SuperSecretToken1234567890';
  const secret = 'whsec_SigningKey0987654321';
  const slackAddress = 'https://hooks.slack.com/services/T0/B0/SlackUrlSecretPart42';
  const configs: ProviderConfig[] = [
    { kind: 'slack', name: 'shop/slack', address: slackAddress },
    { kind: 'mattermost', name: 'shop/mm', address: 'https://chat.example.com/hooks/MattermostSecretKey77' },
    { kind: 'msteams', name: 'shop/teams', address: 'https://x.logic.azure.com/workflows/w/triggers/manual/paths/invoke?sig=TeamsSigSecret55' },
    { kind: 'webhook', name: 'shop/hook', address: 'https://receiver.example.com/hook?key=WebhookQuerySecret9', secret },
    { kind: 'github', name: 'shop/gh', token },
    { kind: 'gitlab', name: 'shop/gl', token, address: 'https://github.com' },
    { kind: 'gitea', name: 'shop/gitea', token, address: 'https://github.com' },
    { kind: 'bitbucket', name: 'shop/bb', token, address: 'https://bitbucket.org' },
    { kind: 'github-comment', name: 'shop/ghc', token },
    { kind: 'gitlab-comment', name: 'shop/glc', token, address: 'https://github.com' },
  ];
  const secretValues = [token, secret, 'SlackUrlSecretPart42', 'MattermostSecretKey77', 'TeamsSigSecret55', 'WebhookQuerySecret9'];

  /** A receiver that echoes everything it got, in its answer and in its errors. */
  const echo = (status: number): HttpPost => (request: HttpRequest) => Promise.resolve({ status, headers: {}, body: `you sent ${request.url} ${JSON.stringify(request.headers)}` });
  const failing: HttpPost = (request) => Promise.reject(new Error(`request to ${request.url} failed, headers ${JSON.stringify(request.headers)}`));

  for (const config of configs) {
    for (const [what, http] of [['an echoing 400', echo(400)], ['an echoing 500', echo(500)], ['a failing connection', failing]] as const) {
      it(`${config.kind}: ${what}`, async () => {
        const event = sampleEvent({ application: { ...sampleEvent().application, repoURL: config.kind === 'bitbucket' ? 'https://bitbucket.org/acme/deploy' : 'https://github.com/acme/deploy' } });
        const outcome = await sendNotification(config, event, http);
        assert.notEqual(outcome.result, 'delivered');
        const text = JSON.stringify(outcome);
        for (const value of secretValues) assert.ok(!text.includes(value), `${value} leaked: ${text}`);
        const basic = Buffer.from(`x:${token}`).toString('base64');
        assert.ok(!text.includes(basic.slice(4, -4)));
      });
    }
  }

  it('a comment provider whose listing answers with the token does not leak it', async () => {
    const host = commentHost('github', [1]);
    const leaky: HttpPost = async (request) => {
      const answer = await host.http(request);
      return request.method === 'POST' ? { status: 422, headers: {}, body: `bad token ${token}` } : answer;
    };
    const outcome = await sendNotification({ kind: 'github-comment', name: 'shop/ghc', token }, sampleEvent(), leaky);
    assert.equal(outcome.result, 'dropped');
    assert.ok(!JSON.stringify(outcome).includes(token));
  });
});
