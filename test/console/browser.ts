/**
 * Debian's Chromium driven by playwright-core (no browser download), for the
 * console's browser tests and its benchmark: launch (installing chromium with
 * apt when missing), axe-core run inside the page, screenshots written to
 * test-artifacts/console/, and a watch on Content-Security-Policy refusals,
 * which a test treats as a failure (an inline style the CSP blocks is a bug).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '../..');
export const chromiumPath = '/usr/bin/chromium';
export const artifactsDir = path.join(root, 'test-artifacts/console');

export function ensureChromium(): void {
  if (fs.existsSync(chromiumPath)) return;
  execFileSync('sh', [path.join(import.meta.dirname, 'ensure-chromium.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
}

export async function launchBrowser(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({ executablePath: chromiumPath, args: ['--disable-dev-shm-usage'] });
}

/** Messages the page logged about CSP refusals and uncaught errors, to assert empty. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(text)) errors.push(`CSP: ${text}`);
  });
  page.on('pageerror', (error) => { errors.push(`page error: ${error.message}`); });
  return errors;
}

const axeSource = fs.readFileSync(path.join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** axe-core's serious and critical violations of the page as it is now (WCAG 2 A/AA and best practices). */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does not govern.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // In the page: the root tsconfig has no DOM types, so the page's globals are named through globalThis.
    const { axe, document } = globalThis as unknown as { document: unknown; axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> } };
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations;
  });
  return violations.filter((one) => one.impact === 'serious' || one.impact === 'critical')
    .map((one) => `${one.id} (${String(one.impact)}): ${one.help} at ${one.nodes.slice(0, 3).map((node) => JSON.stringify(node.target)).join(', ')}`);
}

/** Writes test-artifacts/console/<name>.png (full page) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
