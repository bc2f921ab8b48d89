import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { blobType, fingerprint, hostKeyAlgorithmsFor, KnownHosts } from './ssh-known-hosts.ts';

/** An ssh-ed25519 public key blob, as a server offers it. */
function ed25519Blob(): Buffer {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const string = (value: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(value.length);
    return Buffer.concat([length, value]);
  };
  return Buffer.concat([string(Buffer.from('ssh-ed25519')), string(raw)]);
}

const a = ed25519Blob();
const b = ed25519Blob();
const line = (hosts: string, blob: Buffer): string => `${hosts} ssh-ed25519 ${blob.toString('base64')}`;
const hashed = (name: string): string => {
  const salt = Buffer.from('0123456789abcdef0123');
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

describe('known_hosts', () => {
  it('judges an offered key by host and port as ssh does', () => {
    const hosts = new KnownHosts([
      '# comment', '',
      line('git.example.com,10.0.0.5', a),
      line('[git.example.com]:2222', b),
      line(hashed('[127.0.0.1]:2200'), a),
      line('*.corp.example,!evil.corp.example', b),
      '@cert-authority *.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGV4YW1wbGU=',
      'garbage',
    ].join('\n'));
    const table: [string, number, Buffer, string][] = [
      ['git.example.com', 22, a, 'trusted'],
      ['GIT.example.com', 22, a, 'trusted'],
      ['git.example.com', 22, b, 'mismatch'],
      ['git.example.com', 2222, b, 'trusted'],
      ['git.example.com', 2222, a, 'mismatch'],
      ['10.0.0.5', 22, a, 'trusted'],
      ['127.0.0.1', 2200, a, 'trusted'],
      ['127.0.0.1', 22, a, 'unknown'],
      ['build.corp.example', 22, b, 'trusted'],
      ['evil.corp.example', 22, b, 'unknown'],
      ['other.example', 22, a, 'unknown'],
    ];
    for (const [host, port, key, expected] of table) assert.equal(hosts.verdict(host, port, key), expected, `${host}:${port}`);
    assert.equal(hosts.size, 4);
  });

  it('refuses a key marked @revoked even where another line lists it', () => {
    const hosts = new KnownHosts([line('git.example.com', a), `@revoked * ssh-ed25519 ${a.toString('base64')}`].join('\n'));
    assert.equal(hosts.verdict('git.example.com', 22, a), 'revoked');
    assert.deepEqual(hosts.keysFor('git.example.com', 22).map((key) => key.type), ['ssh-ed25519']);
  });

  it('names keys as OpenSSH prints them and offers the listed key types first', () => {
    assert.match(fingerprint(a), /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.equal(blobType(a), 'ssh-ed25519');
    assert.deepEqual(hostKeyAlgorithmsFor(['ssh-ed25519', 'ssh-rsa']), ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  });
});
