import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { consoleDist, ensureConsoleBuilt, inputDigest } from './build.ts';

describe('the console build', () => {
  it('writes hashed assets and an index.html the strict CSP allows: no inline script or style, nothing remote', async () => {
    const manifest = await ensureConsoleBuilt();
    assert.equal(manifest.inputs, inputDigest(), 'a build from the current sources');
    assert.match(manifest.script, /^assets\/console-[A-Z0-9]{8}\.js$/);
    assert.match(manifest.stylesheet, /^assets\/console-[A-Z0-9]{8}\.css$/);
    const html = fs.readFileSync(path.join(consoleDist, 'index.html'), 'utf8');
    assert.ok(html.includes(`<script type="module" src="/${manifest.script}"></script>`));
    assert.ok(html.includes(`<link rel="stylesheet" href="/${manifest.stylesheet}">`));
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'an inline script');
    assert.doesNotMatch(html, /<style|\sstyle=/, 'an inline style');
    assert.doesNotMatch(html, /https?:\/\//, 'a remote URL');
    const script = fs.readFileSync(path.join(consoleDist, manifest.script), 'utf8');
    assert.doesNotMatch(script, /\beval\(|new Function\(/, 'code the CSP forbids');
    // Only XML namespace names (Preact's SVG and MathML support), never a URL that is fetched.
    const urls = new Set(script.match(/https?:\/\/[^"'`\s)]+/g) ?? []);
    assert.deepEqual([...urls].filter((url) => !url.startsWith('http://www.w3.org/')), []);
  });

  it('is not rebuilt when nothing changed', async () => {
    const first = await ensureConsoleBuilt();
    const second = await ensureConsoleBuilt();
    assert.equal(second.builtAt, first.builtAt);
  });
});
