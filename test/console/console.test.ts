/**
 * The console in real Chromium against a real controller process, the test
 * control plane and Redis: sign-in refuses a wrong token; the list shows the
 * Applications; a kubectl-style change shows as drift in the open page without
 * a reload (Server-Sent Events); Sync shows its dry run and heals it; Rollback
 * to a history entry works; a failing commit appears as a rollback on the
 * timeline; a read token sees no action buttons and the API refuses it anyway.
 * Every view is checked with axe-core (no serious or critical violation, light
 * and dark) and photographed into test-artifacts/console/.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { eventually } from '../harness/eventually.ts';
import { commitFiles } from '../harness/git-repositories.ts';
import { launchBrowser, screenshot, seriousViolations, watchPageErrors } from './browser.ts';
import {
  callApi, configMap, deployment, editConfigMap, editSecret, readConfigMap, secretValues, startConsoleFixture, type ConsoleFixture,
} from './console-fixture.ts';

const desktop = { width: 1280, height: 800 };

async function assertAccessible(page: Page, view: string): Promise<void> {
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `axe found serious violations in the ${view} view:\n${violations.join('\n')}`);
}

async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function releaseOf(fixture: ConsoleFixture, app: string): Promise<{ sync?: string; health?: string; revision?: string | undefined }> {
  const answer = await callApi(fixture, 'GET', `/api/v1/namespaces/${fixture.namespace}/applications/${app}`);
  return answer.body as { sync?: string; health?: string; revision?: string };
}

describe('the Berth console in Chromium', () => {
  it('lists, shows drift live, syncs, rolls back, and keeps a read token read-only', { timeout: 600_000 }, async (t) => {
    const fixture = await startConsoleFixture(t, 'console');
    const { namespace, rest, baseUrl } = fixture;
    const browser: Browser = await launchBrowser();
    t.after(async () => { await browser.close(); });
    const short = (sha: string): string => sha.slice(0, 7);

    // web syncs only when asked: its first release goes through the API, as the CLI would.
    await fixture.controller.explain(eventually('the web Application to be registered', async () =>
      (await callApi(fixture, 'POST', `/api/v1/namespaces/${namespace}/applications/web/sync`, {})).status === 202 ? true : undefined, { timeoutMs: 60_000 }));
    await fixture.controller.explain(eventually('web and api to be deployed', async () => {
      const [web, api] = await Promise.all([releaseOf(fixture, 'web'), releaseOf(fixture, 'api')]);
      return web.sync === 'Synced' && api.sync === 'Synced' && api.health === 'Healthy' ? true : undefined;
    }, { timeoutMs: 120_000 }));

    const context = await browser.newContext({ viewport: desktop, colorScheme: 'light' });
    const page = await context.newPage();
    const pageErrors = watchPageErrors(page);
    // Every API answer the page read, to show that no Secret value ever reached the browser.
    const answers: Promise<string>[] = [];
    page.on('response', (response) => {
      const { pathname } = new URL(response.url());
      // A body the page aborted (a view left before its answer came) never arrives: 10 s at most each.
      if (pathname.startsWith('/api/') && pathname !== '/api/v1/events') {
        answers.push(Promise.race([response.text().catch(() => ''), sleep(10_000).then(() => '')]));
      }
    });
    // The steps build on each other: after a failure the rest are skipped, and the page is photographed.
    let failed: string | undefined;
    const step = async (name: string, body: () => Promise<void>): Promise<void> => {
      await t.test(name, failed ? { skip: `"${failed}" failed` } : {}, async () => {
        try {
          await body();
        } catch (error) {
          failed = name;
          await screenshot(page, `failed-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => undefined);
          throw error;
        }
      });
    };

    await step('a wrong token is refused', async () => {
      await signIn(page, baseUrl, 'not-a-token');
      await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
      await assertAccessible(page, 'sign-in');
      await screenshot(page, 'sign-in-refused');
      assert.equal(await page.evaluate(async () => (await fetch('/api/v1/console/applications')).status), 401);
      assert.equal(await page.getByRole('heading', { name: 'Applications' }).count(), 0);
    });

    await step('the list shows the Applications with sync, health and revision', async () => {
      await signIn(page, baseUrl, fixture.adminToken);
      const webRow = page.locator(`tr[data-key="${namespace}/web"]`);
      const apiRow = page.locator(`tr[data-key="${namespace}/api"]`);
      await webRow.waitFor();
      await apiRow.getByText('Healthy').waitFor();
      assert.equal(await webRow.locator('.badge', { hasText: /(^|\s)Synced$/ }).count(), 1, await webRow.innerText());
      assert.match(await webRow.innerText(), new RegExp(short(fixture.firstCommit)));
      assert.match(await webRow.innerText(), /First release of web and api/, 'the commit subject');
      await assertAccessible(page, 'list');
      await screenshot(page, 'list');
      // The text matches namespace/name, commit and subject ("... web and api"): the key picks one.
      await page.getByLabel('Find').fill(`${namespace}/api`);
      await eventually('the text filter to leave api alone', async () => (await webRow.count()) === 0 ? true : undefined, { timeoutMs: 10_000 });
      assert.equal(await apiRow.count(), 1);
      await page.getByLabel('Find').fill('');
      await webRow.waitFor();
      await page.emulateMedia({ colorScheme: 'dark' });
      await assertAccessible(page, 'list (dark)');
      await screenshot(page, 'list-dark');
      await page.emulateMedia({ colorScheme: 'light' });
    });

    await step('a kubectl change shows as drift in the open page, without reload', async () => {
      await page.locator(`tr[data-key="${namespace}/web"] a`).first().click();
      await page.getByRole('heading', { name: `${namespace}/web` }).waitFor();
      const synced = /(^|\s)Synced$/;
      await page.locator('.tree-row', { hasText: 'web-settings' }).locator('.badge', { hasText: synced }).waitFor();
      await page.locator('.app-head .facts .badge', { hasText: synced }).waitFor({ timeout: 30_000 });
      await page.evaluate(() => { (globalThis as unknown as { notReloaded: boolean }).notReloaded = true; });
      const editedAt = Date.now();
      await editConfigMap(rest, namespace, 'edited by hand');
      await editSecret(rest, namespace, secretValues.edited);
      await page.locator('.app-head .facts').getByText('OutOfSync').waitFor({ timeout: 45_000 });
      t.diagnostic(`drift shown in the open page ${String(Date.now() - editedAt)} ms after the kubectl-style edit (watch, drift check, event)`);
      await page.locator('.tree-row', { hasText: 'web-settings' }).getByText('OutOfSync').waitFor();
      assert.equal(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded), true, 'the page was reloaded');
      await assertAccessible(page, 'application');
      await screenshot(page, 'application');

      // The Secret's drift shows that it changed, never what it holds.
      await page.locator('.tree-row', { hasText: 'web-secret' }).getByText('OutOfSync').waitFor({ timeout: 45_000 });
      await page.locator('.tree-row a', { hasText: 'web-secret' }).click();
      const secretDiff = page.getByRole('table', { name: /Diff of Secret/ });
      await secretDiff.waitFor();
      const shown = await page.locator('main').innerText();
      assert.match(shown, /masked/i, 'the Secret diff shows masked values');
      for (const value of Object.values(secretValues)) {
        for (const form of [value, Buffer.from(value).toString('base64')]) assert.ok(!shown.includes(form), `the page shows ${form}`);
      }
      await screenshot(page, 'drift-secret-masked');
      await page.goBack();
      await page.locator('.tree-row a', { hasText: 'web-settings' }).click();
      await page.getByRole('heading', { name: /Drift of ConfigMap/ }).waitFor();
      const diff = page.getByRole('table', { name: /Diff of ConfigMap/ });
      await diff.getByText('edited by hand').waitFor();
      assert.match(await diff.innerText(), /greeting: hello/);
      await assertAccessible(page, 'drift (unified)');
      await screenshot(page, 'drift-unified');
      await page.getByRole('button', { name: 'Side by side' }).click();
      await page.getByRole('columnheader', { name: 'Live in the cluster' }).waitFor();
      await assertAccessible(page, 'drift (side by side)');
      await screenshot(page, 'drift-side-by-side');
      await page.getByLabel('Field, as a JSON pointer').fill('/data/greeting');
      await page.getByRole('button', { name: 'Explain' }).click();
      await page.locator('.verdict').waitFor();
      assert.match(await page.locator('.verdict').innerText(), /drift/i);
      await page.getByLabel('Field, as a JSON pointer').fill('/metadata/resourceVersion');
      await page.getByRole('button', { name: 'Explain' }).click();
      await page.locator('.verdict.normalized').waitFor();
      await screenshot(page, 'drift-why-not');
    });

    await step('Sync shows its dry run first, then heals the drift', async () => {
      await page.getByRole('button', { name: 'Sync…' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText(/Dry run succeeded/).waitFor({ timeout: 60_000 });
      assert.match(await dialog.innerText(), /ConfigMap/);
      await assertAccessible(page, 'sync dialog');
      await screenshot(page, 'sync-dialog');
      await dialog.getByRole('button', { name: 'Confirm sync' }).click();
      await page.locator('.app-head .facts .badge', { hasText: /(^|\s)Synced$/ }).waitFor({ timeout: 60_000 });
      assert.deepEqual(await readConfigMap(rest, namespace), { greeting: 'hello' });
    });

    await step('the list and an Application are usable by keyboard, in the dark scheme too', async () => {
      await page.emulateMedia({ colorScheme: 'dark' });
      await assertAccessible(page, 'application (dark)');
      await screenshot(page, 'application-dark');
      await page.goto(`${baseUrl}/`);
      await page.locator(`tr[data-key="${namespace}/web"]`).waitFor();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent), 'Skip to content');
      // Tab to the web Application's link, open it with Enter, then a tree group with Enter.
      const webLink = page.locator(`tr[data-key="${namespace}/web"] a`).first();
      for (let presses = 0; presses < 60 && !await webLink.evaluate((element) => element === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement); presses++) {
        await page.keyboard.press('Tab');
      }
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: `${namespace}/web` }).waitFor();
      const collapse = page.getByRole('button', { name: /^Collapse ConfigMap/ });
      await collapse.focus();
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: /^Expand ConfigMap/ }).waitFor();
      assert.equal(await page.locator('.tree-row', { hasText: 'web-settings' }).count(), 0, 'the group collapsed');
      await page.keyboard.press('Enter');
      await page.locator('.tree-row', { hasText: 'web-settings' }).waitFor();
      await page.emulateMedia({ colorScheme: 'light' });
    });

    // A second commit of web, synced, so there is an older history entry to go back to; then a broken api commit.
    // A hostile commit subject: it must read as text, never become markup.
    const hostileSubject = 'Say second <img src=x onerror="globalThis.pwned=1">';
    const second = await commitFiles(fixture.repository, { 'apps/web/config.yaml': configMap(namespace, 'second') }, hostileSubject);
    assert.equal((await callApi(fixture, 'POST', `/api/v1/namespaces/${namespace}/applications/web/sync`, {})).status, 202);
    await fixture.controller.explain(eventually('web to run the second commit', async () =>
      (await readConfigMap(rest, namespace))?.greeting === 'second' && (await releaseOf(fixture, 'web')).revision === second ? true : undefined, { timeoutMs: 60_000 }));
    const broken = await commitFiles(fixture.repository, { 'apps/api/deployment.yaml': deployment(namespace, 'registry.example/api:2', true) }, 'api 2, never ready');

    await step('a hostile commit subject is shown as text', async () => {
      await page.getByRole('link', { name: 'Applications' }).first().click();
      const row = page.locator(`tr[data-key="${namespace}/web"]`);
      await row.getByText(hostileSubject).waitFor({ timeout: 30_000 });
      assert.equal(await page.locator('table.apps img').count(), 0);
      assert.equal(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned), undefined);
      await row.locator('a').first().click();
      await page.getByRole('heading', { name: `${namespace}/web` }).waitFor();
    });

    await step('Rollback to a history entry shows its dry run, then rolls back', async () => {
      await page.getByRole('link', { name: /^History/ }).click();
      await page.locator('.timeline .event', { hasText: short(second) }).first().waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: `Roll back to ${short(fixture.firstCommit)}…` }).first().click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText(/Dry run succeeded/).waitFor({ timeout: 60_000 });
      assert.match(await dialog.innerText(), /ConfigMap/);
      await screenshot(page, 'rollback-dialog');
      await dialog.getByRole('button', { name: 'Confirm rollback' }).click();
      await fixture.controller.explain(eventually('web to be back on the first commit', async () =>
        (await readConfigMap(rest, namespace))?.greeting === 'hello' ? true : undefined, { timeoutMs: 60_000 }));
      await page.locator('.timeline .event').first().locator('code.sha', { hasText: short(fixture.firstCommit) }).waitFor({ timeout: 30_000 });
    });

    await step('a failing commit appears as a rollback on the timeline', async () => {
      await page.goto(`${baseUrl}/applications/${namespace}/api/history`);
      const rolledBack = page.locator('.timeline .event.rollback').first();
      await fixture.controller.explain(rolledBack.waitFor({ timeout: 180_000 }));
      const words = await rolledBack.innerText();
      assert.match(words, new RegExp(`${short(broken)}.*rolled back to`, 's'), words);
      await page.locator('.timeline .event.bad', { hasText: short(broken) }).first().waitFor();
      await assertAccessible(page, 'history');
      await screenshot(page, 'history-rollback');
      await page.getByRole('link', { name: 'Applications' }).first().click();
      await page.locator(`tr[data-key="${namespace}/api"] .badge.rollback`).waitFor({ timeout: 30_000 });
      await screenshot(page, 'list-rollback-marker');
    });

    await step('the notifications tab lists what was sent where, the rollback included', async () => {
      await page.goto(`${baseUrl}/applications/${namespace}/api/notifications`);
      await fixture.controller.explain(page.locator('table.notifications tr[data-event="RolledBack"][data-result="delivered"]').first().waitFor({ timeout: 60_000 }));
      await page.locator('table.notifications tr[data-event="Healthy"][data-result="delivered"]').first().waitFor();
      const row = await page.locator('table.notifications tr[data-event="RolledBack"]').first().innerText();
      assert.match(row, new RegExp(`${namespace}/hook`), row);
      assert.ok(!row.includes(fixture.receiver.url), 'the provider\'s address reached the page');
      assert.ok(fixture.receiver.requests.some((request) => (request.event?.type ?? '').endsWith('RolledBack')), 'the receiver got the RolledBack event');
      await assertAccessible(page, 'notifications');
      await screenshot(page, 'notifications');
      // Back to the list, where the next step starts.
      await page.getByRole('link', { name: 'Applications' }).first().click();
      await page.locator(`tr[data-key="${namespace}/web"]`).waitFor();
    });

    await step('on a narrow screen the list and an Application stay usable', async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.locator(`tr[data-key="${namespace}/web"]`).waitFor();
      await assertAccessible(page, 'list (narrow)');
      await screenshot(page, 'list-narrow');
      await page.goto(`${baseUrl}/applications/${namespace}/api`);
      await page.locator('.tree-row', { hasText: 'Deployment' }).first().waitFor();
      await screenshot(page, 'application-narrow');
      await page.setViewportSize(desktop);
    });

    await step('signing out ends the session', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('API token').waitFor();
      assert.equal(await page.evaluate(async () => (await fetch('/api/v1/session')).status), 401);
    });

    await step('a read token sees no action buttons, and the API refuses it anyway', async () => {
      const readContext = await browser.newContext({ viewport: desktop });
      t.after(async () => { await readContext.close(); });
      const reader = await readContext.newPage();
      pageErrors.push(...watchPageErrors(reader));
      await signIn(reader, baseUrl, fixture.readToken);
      await reader.locator(`tr[data-key="${namespace}/web"] a`).first().click();
      await reader.locator('.tree-row', { hasText: 'web-settings' }).waitFor();
      assert.equal(await reader.getByText('read only').count(), 1);
      for (const name of ['Sync…', 'Refresh']) assert.equal(await reader.getByRole('button', { name }).count(), 0, `a read session sees ${name}`);
      await screenshot(reader, 'application-read-only');
      await reader.getByRole('link', { name: /^History/ }).click();
      await reader.locator('.timeline .event').first().waitFor();
      assert.equal(await reader.getByRole('button', { name: /Roll back/ }).count(), 0);
      const refused = await reader.evaluate(async (app) => {
        const session = await (await fetch('/api/v1/session')).json() as { csrfToken?: string };
        const response = await fetch(`/api/v1/namespaces/${app.namespace}/applications/web/sync`, {
          method: 'POST', headers: { 'content-type': 'application/json', 'x-berth-csrf': session.csrfToken ?? '' }, body: '{}',
        });
        return response.status;
      }, { namespace });
      assert.equal(refused, 403);
    });

    assert.deepEqual(pageErrors, [], 'the pages logged CSP refusals or errors');
    const read = await Promise.all(answers);
    assert.ok(read.length > 10, `${String(read.length)} API answers seen`);
    for (const value of Object.values(secretValues)) {
      for (const form of [value, Buffer.from(value).toString('base64')]) {
        assert.ok(!read.some((body) => body.includes(form)), `an API answer to the browser carried ${form}`);
      }
    }
  });
});
