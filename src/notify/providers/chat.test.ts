import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, it } from 'node:test';
import type { NotificationEventType, NotificationSeverity, ProviderConfig } from './event.ts';
import { sendNotification } from './provider.ts';
import { recorder, sampleEvent } from './testdata/fake-host.ts';
import { cloudEventsWebhook, mattermostWebhook, rocketchatWebhook, slackWebhook, teamsWorkflow } from './testdata/recorded-schemas.ts';
import { judgeRequest, type RecordedOperation } from './testdata/schema-judge.ts';

const receivers: [ProviderConfig, RecordedOperation, string][] = [
  [{ kind: 'slack', name: 'shop/slack', address: 'https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX' }, slackWebhook, 'https://hooks.slack.com'],
  [{ kind: 'slack', name: 'shop/slack', address: 'https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX', options: { channel: '#deploys', username: 'berth' } }, slackWebhook, 'https://hooks.slack.com'],
  [{ kind: 'mattermost', name: 'shop/mm', address: 'https://chat.example.com/hooks/xxxgeneratedkeyxxx' }, mattermostWebhook, 'https://chat.example.com'],
  [{ kind: 'rocketchat', name: 'shop/rc', address: 'https://rocket.example.com/hooks/abc123/tokenTOKENtoken' }, rocketchatWebhook, 'https://rocket.example.com'],
  [{ kind: 'msteams', name: 'shop/teams', address: 'https://prod-00.westeurope.logic.azure.com/workflows/0a1b2c/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SIGsecret' }, teamsWorkflow, 'https://prod-00.westeurope.logic.azure.com'],
  [{ kind: 'webhook', name: 'shop/hook', address: 'https://receiver.example.com/berth', secret: 'hmac-key-for-tests' }, cloudEventsWebhook, 'https://receiver.example.com'],
];

const events: [NotificationEventType, NotificationSeverity][] = [
  ['SyncStarted', 'info'], ['Synced', 'info'], ['Healthy', 'info'], ['Degraded', 'warning'], ['RolledBack', 'error'], ['DriftDetected', 'warning'], ['Stalled', 'error'],
];

describe('chat and webhook payloads, judged against the receivers\' documented schemas', () => {
  for (const [config, operation, base] of receivers) {
    for (const [type, severity] of events) {
      it(`${config.kind}${config.options ? ' (channel override)' : ''}: ${type} is a valid ${operation.name} request`, async () => {
        const { http, requests } = recorder({ status: 200, headers: {}, body: 'ok' });
        const outcome = await sendNotification(config, sampleEvent({ type, severity }), http);
        assert.deepEqual(outcome, { result: 'delivered', status: 200 });
        assert.equal(requests.length, 1);
        const [request] = requests;
        assert.ok(request);
        assert.equal(request.url, config.address);
        const judged = judgeRequest([operation], base, request);
        assert.deepEqual(judged.problems, []);
      });
    }
  }

  it('colours chat messages by severity', async () => {
    const colours: string[] = [];
    for (const severity of ['info', 'warning', 'error'] as const) {
      const { http, requests } = recorder({ status: 200, headers: {}, body: 'ok' });
      await sendNotification(receivers[0]?.[0] ?? { kind: 'slack', name: 'x' }, sampleEvent({ severity }), http);
      colours.push((JSON.parse(requests[0]?.body ?? '{}') as { attachments: { color: string }[] }).attachments[0]?.color ?? '');
    }
    assert.deepEqual(colours, ['#2eb886', '#daa038', '#a30200']);
  });

  it('Teams: the card\'s style follows the severity and the action opens the console', async () => {
    const { http, requests } = recorder({ status: 202, headers: {}, body: '' });
    await sendNotification(receivers[4]?.[0] ?? { kind: 'msteams', name: 'x' }, sampleEvent(), http);
    const card = (JSON.parse(requests[0]?.body ?? '{}') as { attachments: { content: { body: { style?: string }[]; actions?: { url: string }[] } }[] }).attachments[0]?.content;
    assert.ok(card);
    assert.equal(card.body[0]?.style, 'attention');
    assert.equal(card.actions?.[0]?.url, 'https://berth.example.com/applications/shop/web');
  });

  it('Slack: a commit subject cannot ping the channel or forge a link', async () => {
    const { http, requests } = recorder({ status: 200, headers: {}, body: 'ok' });
    await sendNotification(receivers[0]?.[0] ?? { kind: 'slack', name: 'x' }, sampleEvent({ commit: { subject: 'fix <!channel> <https://evil.example|docs> & more', author: '<@U123>' } }), http);
    const body = requests[0]?.body ?? '';
    assert.doesNotMatch(body, /<!channel>|<https:\/\/evil|<@U123>/);
    assert.match(body, /&lt;!channel&gt;/);
  });

  it('Mattermost and Rocket.Chat: @channel and Markdown links in hostile text are neutralised', async () => {
    for (const config of [receivers[2]?.[0], receivers[3]?.[0]]) {
      const { http, requests } = recorder({ status: 200, headers: {}, body: 'ok' });
      await sendNotification(config ?? { kind: 'mattermost', name: 'x' }, sampleEvent({ reason: '@channel see [this](https://evil.example)' }), http);
      const body = requests[0]?.body ?? '';
      assert.doesNotMatch(body, /@channel/);
      assert.doesNotMatch(body, /\[this\]\(/);
    }
  });

  it('Teams: a Markdown link in hostile text is broken, the text kept', async () => {
    const { http, requests } = recorder({ status: 202, headers: {}, body: '' });
    await sendNotification(receivers[4]?.[0] ?? { kind: 'msteams', name: 'x' }, sampleEvent({ reason: 'see [the runbook](https://evil.example)' }), http);
    const body = requests[0]?.body ?? '';
    assert.doesNotMatch(body, /\]\(https:\/\/evil/);
    assert.match(body, /see \[the runbook\]\u200b\(https:\/\/evil\.example\)/);
  });

  it('Slack: a hostile link cannot close <url|text>', async () => {
    const { http, requests } = recorder({ status: 200, headers: {}, body: 'ok' });
    await sendNotification(receivers[0]?.[0] ?? { kind: 'slack', name: 'x' }, sampleEvent({ consoleUrl: 'https://berth.example.com/a|<!channel>' }), http);
    const body = requests[0]?.body ?? '';
    assert.match(body, /<https:\/\/berth\.example\.com\/a%7C%3C!channel%3E\|/);
    assert.doesNotMatch(body, /<!channel>/);
  });

  it('offers no javascript: or credential-carrying link', async () => {
    const { http, requests } = recorder({ status: 200, headers: {}, body: 'ok' });
    await sendNotification(receivers[0]?.[0] ?? { kind: 'slack', name: 'x' }, sampleEvent({ consoleUrl: 'javascript:alert(1)', commit: { subject: 's', author: 'a', url: 'https://user:pw@git.example.com/c' } }), http);
    assert.doesNotMatch(requests[0]?.body ?? '', /javascript:|user:pw/);
  });

  it('drops a chat provider without an address, an http:// address, or a non-web scheme, sending nothing', async () => {
    const { http, requests } = recorder();
    for (const address of [undefined, 'http://hooks.example.com/x', 'file:///etc/passwd', 'not a url']) {
      const outcome = await sendNotification({ kind: 'slack', name: 'shop/slack', ...(address === undefined ? {} : { address }) }, sampleEvent(), http);
      assert.equal(outcome.result, 'dropped', String(address));
    }
    assert.equal(requests.length, 0);
  });
});

describe('the generic CloudEvents webhook', () => {
  const config: ProviderConfig = { kind: 'webhook', name: 'shop/hook', address: 'https://receiver.example.com/berth', secret: 'hmac-key-for-tests' };

  it('signs the raw body with HMAC-SHA256 in X-Berth-Signature, verifiable independently', async () => {
    const { http, requests } = recorder({ status: 204, headers: {}, body: '' });
    await sendNotification(config, sampleEvent(), http);
    const request = requests[0];
    assert.ok(request?.body);
    const header = request.headers['x-berth-signature'] ?? '';
    assert.match(header, /^sha256=[0-9a-f]{64}$/);
    const expected = createHmac('sha256', 'hmac-key-for-tests').update(request.body).digest();
    assert.ok(timingSafeEqual(Buffer.from(header.slice(7), 'hex'), expected));
  });

  it('carries the event as CloudEvents attributes and data', async () => {
    const { http, requests } = recorder({ status: 200, headers: {}, body: '' });
    await sendNotification(config, sampleEvent(), http);
    const body = JSON.parse(requests[0]?.body ?? '{}') as Record<string, unknown>;
    assert.equal(body['id'], 'shop/web/RolledBack/bbbbbbb');
    assert.equal(body['type'], 'dev.berth.application.RolledBack');
    assert.equal(body['source'], '/apis/berth.dev/v1alpha1/namespaces/shop/applications/web');
    assert.deepEqual((body['data'] as Record<string, unknown>)['previousRevision'], 'a'.repeat(40));
  });

  it('refuses to send unsigned: a provider without a secret is dropped', async () => {
    const { http, requests } = recorder();
    const { secret: _secret, ...unsigned } = config;
    const outcome = await sendNotification(unsigned, sampleEvent(), http);
    assert.equal(outcome.result, 'dropped');
    assert.equal(requests.length, 0);
  });
});

describe('the recorded schemas judge', () => {
  it('refuses what the documentation refuses (so a passing table means something)', () => {
    const base = 'https://receiver.example.com';
    const bad = { method: 'POST', url: `${base}/x`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ specversion: '0.3', id: 'x', source: '/s' }) };
    const { problems } = judgeRequest([cloudEventsWebhook], base, bad);
    assert.deepEqual(problems, [
      'header content-type: does not match /^application\\/cloudevents\\+json/',
      'body.specversion: "0.3" is not one of 1.0',
      'body.type: required, missing',
    ]);
  });
});
