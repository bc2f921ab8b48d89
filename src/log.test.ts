import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from './log.ts';

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
});
