import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayUseControllerCredentials, repoUrlPrefixesAnnotation, secretScopeProblem } from './credential-scope.ts';

const bound = (prefixes: string) => ({ [repoUrlPrefixesAnnotation]: prefixes });

/** [what, annotations, repoURL, expected problem or undefined] */
const secretCases: [string, Record<string, string> | undefined, string, string | undefined][] = [
  ['a Secret without the annotation serves any URL', undefined, 'https://evil.example/x.git', undefined],
  ['a URL under a prefix', bound('https://git.team-b.example/team-b/'), 'https://git.team-b.example/team-b/deploy.git', undefined],
  ['a URL under the second prefix', bound('https://a.example/, https://git.team-b.example/'), 'https://git.team-b.example/x.git', undefined],
  ['user info in the URL does not hide the host', bound('https://git.team-b.example/'), 'https://x@git.team-b.example/deploy.git', undefined],
  ['another host', bound('https://git.team-b.example/'), 'https://evil.example/deploy.git',
    'Secret team-b/creds is bound to repository URLs starting with https://git.team-b.example/, not https://evil.example/deploy.git (annotation berth.dev/repo-url-prefixes)'],
  ['a host that only starts like the prefix', bound('https://git.team-b.example'), 'https://git.team-b.example.evil.io/deploy.git',
    'Secret team-b/creds is bound to repository URLs starting with https://git.team-b.example/, not https://git.team-b.example.evil.io/deploy.git (annotation berth.dev/repo-url-prefixes)'],
  ['user info that pretends to be the host', bound('https://git.team-b.example/'), 'https://git.team-b.example@evil.example/deploy.git',
    'Secret team-b/creds is bound to repository URLs starting with https://git.team-b.example/, not https://evil.example/deploy.git (annotation berth.dev/repo-url-prefixes)'],
  ['an SSH URL, scp-like, under an ssh:// prefix with a login', bound('ssh://git@git.team-b.example/team-b/'), 'git@git.team-b.example:team-b/deploy.git', undefined],
  ['an SSH URL under a prefix of another host', bound('ssh://git.team-b.example/'), 'ssh://git@evil.example/team-b/deploy.git',
    'Secret team-b/creds is bound to repository URLs starting with ssh://git.team-b.example/, not ssh://evil.example/team-b/deploy.git (annotation berth.dev/repo-url-prefixes)'],
  ['an SSH URL under an https prefix of the same host', bound('https://git.team-b.example/'), 'git@git.team-b.example:team-b/deploy.git',
    'Secret team-b/creds is bound to repository URLs starting with https://git.team-b.example/, not ssh://git.team-b.example/team-b/deploy.git (annotation berth.dev/repo-url-prefixes)'],
  ['an empty annotation', bound(' , '), 'https://git.team-b.example/x.git',
    'Secret team-b/creds: annotation berth.dev/repo-url-prefixes is empty, so it serves no repository'],
  ['a prefix that is not a URL', bound('git.team-b.example'), 'https://git.team-b.example/x.git',
    'Secret team-b/creds: annotation berth.dev/repo-url-prefixes holds "git.team-b.example", which is not a URL'],
];

describe('a credentialsSecret bound to URL prefixes', () => {
  for (const [what, annotations, url, expected] of secretCases) {
    it(what, () => { assert.equal(secretScopeProblem('team-b/creds', annotations, url), expected); });
  }
});

/** [what, hosts, repoURL, may use] */
const hostCases: [string, string[], string, boolean][] = [
  ['no hosts listed: never', [], 'https://github.com/acme/x.git', false],
  ['a listed host', ['github.com'], 'https://github.com/acme/x.git', true],
  ['a listed host in capitals', ['GitHub.com'], 'https://github.com/acme/x.git', true],
  ['an unlisted host', ['github.com'], 'https://evil.example/x.git', false],
  ['a sub-domain of a listed host', ['github.com'], 'https://github.com.evil.example/x.git', false],
  ['user info that pretends to be the host', ['github.com'], 'https://github.com@evil.example/x.git', false],
  ['a host with its port', ['127.0.0.1:8443'], 'http://127.0.0.1:8443/x.git', true],
  ['another port of a host listed with a port', ['127.0.0.1:8443'], 'http://127.0.0.1:9000/x.git', false],
  ['any port of a host listed without one', ['git.internal'], 'https://git.internal:8443/x.git', true],
  ['a URL that does not parse', ['github.com'], 'not a url', false],
];

describe('the controller-wide credentials', () => {
  for (const [what, hosts, url, expected] of hostCases) {
    it(what, () => { assert.equal(mayUseControllerCredentials(url, hosts), expected); });
  }
});
