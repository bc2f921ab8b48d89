import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appHref, driftHref, listHref, parseRoute } from './route.ts';

describe('console routes', () => {
  it('reads the list filters from the query, repeated or comma-separated', () => {
    assert.deepEqual(parseRoute('/', '?sync=OutOfSync,Unknown&health=Degraded&health=Missing&namespace=team-a&q=web'), {
      view: 'list', filters: { sync: ['OutOfSync', 'Unknown'], health: ['Degraded', 'Missing'], namespace: 'team-a', q: 'web' },
    });
  });

  it('round-trips every address through its href', () => {
    const object = { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'a b', name: 'web/../x' };
    for (const href of [listHref({ sync: ['Synced'], health: [], q: 'a&b' }), appHref('shop', 'web'), appHref('shop', 'web', 'history'), appHref('shop', 'web', 'notifications'), driftHref('shop', 'we b', object)]) {
      const url = new URL(href, 'http://console.test');
      const route = parseRoute(url.pathname, url.search);
      assert.notEqual(route.view, 'not-found', href);
    }
    assert.deepEqual(parseRoute('/applications/shop/web/notifications', ''), { view: 'app', namespace: 'shop', name: 'web', tab: 'notifications' });
    const url = new URL(driftHref('shop', 'we b', object), 'http://console.test');
    assert.deepEqual(parseRoute(url.pathname, url.search), { view: 'drift', namespace: 'shop', name: 'we b', object });
  });

  it('names an unknown or malformed path not found, never another view', () => {
    assert.equal(parseRoute('/applications/shop', '').view, 'not-found');
    assert.equal(parseRoute('/applications/shop/web/nope', '').view, 'not-found');
    assert.equal(parseRoute('/applications/%E0%A4%A/web', '').view, 'not-found');
    assert.equal(parseRoute('/applications/shop/web/drift', '?kind=Deployment').view, 'not-found');
  });
});
