/**
 * The README's table of `berth controller` settings, made from the settings
 * table (settings.ts). `npm run generate` writes it between the markers below;
 * a unit test fails when the committed README differs from what this makes.
 */
import { settingGroups, settings, type Setting, type SettingGroup } from './settings.ts';

export const settingsTableMarkers = { start: '<!-- settings:start (npm run generate) -->', end: '<!-- settings:end -->' } as const;

const cell = (text: string): string => text.replaceAll('|', '\\|');

function defaultCell(row: Setting): string {
  if (typeof row.default === 'function') return 'see meaning';
  if (row.default === undefined) return 'none';
  return row.default === '' ? 'empty' : `\`${row.default}\``;
}

/** The Markdown table, grouped as settings.ts groups the rows. */
export function settingsTable(): string {
  const rows = Object.values(settings) as Setting[];
  const lines: string[] = [];
  for (const group of Object.keys(settingGroups) as SettingGroup[]) {
    lines.push(`| ${settingGroups[group]} | environment | default | meaning |`, '|---|---|---|---|');
    for (const row of rows.filter((r) => r.group === group)) {
      const flag = row.flag === null ? '(environment only)' : `\`--${row.flag} ${cell(row.value)}\``;
      lines.push(`| ${flag} | \`${row.env}\` | ${defaultCell(row)} | ${cell(row.help)} |`);
    }
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}

/** `text` with the part between the markers replaced by the table; throws when a marker is missing. */
export function withSettingsTable(text: string): string {
  const start = text.indexOf(settingsTableMarkers.start);
  const end = text.indexOf(settingsTableMarkers.end);
  if (start < 0 || end < start) throw new Error(`README.md: the settings table markers ${settingsTableMarkers.start} ... ${settingsTableMarkers.end} are missing`);
  return `${text.slice(0, start + settingsTableMarkers.start.length)}\n${settingsTable()}\n${text.slice(end)}`;
}
