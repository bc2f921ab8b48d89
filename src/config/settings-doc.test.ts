import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { settings } from './settings.ts';
import { settingsTable, withSettingsTable } from './settings-doc.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('the README settings table', () => {
  it('is the one generated from the settings table (run npm run generate after changing settings.ts)', () => {
    assert.equal(readme, withSettingsTable(readme));
  });

  it('has a row for every setting, naming its variable', () => {
    const table = settingsTable();
    for (const row of Object.values(settings)) assert.ok(table.includes(`\`${row.env}\``), row.env);
  });
});
