import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, redactUrlCredentials, redactUrlCredentialsDeep } from './log.ts';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, stream };
}

describe('logs', () => {
  it('are JSON lines carrying the fields of child loggers', () => {
    const { lines, stream } = capture();
    createLogger('info', stream).child({ app: 'shop/web', revision: 'abc123' }).info({ job: '7' }, 'synced');
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    assert.equal(line.msg, 'synced');
    assert.equal(line.app, 'shop/web');
    assert.equal(line.revision, 'abc123');
    assert.equal(line.job, '7');
  });

  it('never print a password, token or authorization header given by mistake', () => {
    const { lines, stream } = capture();
    createLogger('info', stream).info({ credentials: { password: 'hunter2' }, headers: { authorization: 'Bearer s3cr3t' }, token: 'tok-123' }, 'oops');
    assert.doesNotMatch(lines.join(''), /hunter2|s3cr3t|tok-123/);
  });

  it('never print the user-info of a URL, in a field, a message or an error', () => {
    const { lines, stream } = capture();
    const log = createLogger('info', stream);
    log.info({ repoURL: 'https://deployer:tok-url-1@git.example.com/team/deploy.git' }, 'fetching');
    log.info('fetching http://tok-url-2@git.example.com/x.git failed');
    log.error({ err: new Error('clone of https://u:tok-url-3@git.example.com/x failed') }, 'failed');
    const text = lines.join('');
    assert.doesNotMatch(text, /tok-url-/);
    assert.match(text, /https:\/\/\*\*\*@git\.example\.com\/team\/deploy\.git/);
  });
});

describe('URL credentials', () => {
  const rows: [string, string][] = [
    ['https://user:token@host/repo.git', 'https://***@host/repo.git'],
    ['https://token@host/repo.git', 'https://***@host/repo.git'],
    ['https://host/repo.git', 'https://host/repo.git'],
    ['git@host:team/repo.git', 'git@host:team/repo.git'],
    ['https://host/path@v1', 'https://host/path@v1'],
    ['see https://a:b@one/x and http://c@two/y', 'see https://***@one/x and http://***@two/y'],
    ['{"url":"https://a:b@host/x","other":"me@example.com"}', '{"url":"https://***@host/x","other":"me@example.com"}'],
  ];
  for (const [input, expected] of rows) {
    it(`${input} -> ${expected}`, () => { assert.equal(redactUrlCredentials(input), expected); });
  }

  it('are stripped from every string of an object, which is copied', () => {
    const spec = { source: { repoURL: 'https://u:p@host/r.git', path: 'apps' }, list: ['http://t@h/x'], n: 1 };
    assert.deepEqual(redactUrlCredentialsDeep(spec), { source: { repoURL: 'https://***@host/r.git', path: 'apps' }, list: ['http://***@h/x'], n: 1 });
    assert.equal(spec.source.repoURL, 'https://u:p@host/r.git');
  });
});
