import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeFolderFiles } from './empty-render.ts';

const file = (path: string) => ({ path, type: 'file' as const });
const folder = (path: string) => ({ path, type: 'directory' as const });

describe('what an empty render\'s folder holds', () => {
  const cases: { what: string; entries: Parameters<typeof describeFolderFiles>[0]; recursed?: boolean; says: string }[] = [
    { what: 'Jsonnet only', entries: [file('app/a.jsonnet'), file('app/b.jsonnet'), file('app/c.jsonnet')], says: '3 .jsonnet files, no .yaml/.yml/.json: Jsonnet is not supported' },
    { what: 'Jsonnet with a library and a README', entries: [file('app/main.jsonnet'), file('app/lib.libsonnet'), file('app/README.md')],
      says: '1 .jsonnet file, 1 .libsonnet file, 1 .md file, no .yaml/.yml/.json: Jsonnet is not supported' },
    { what: 'CUE', entries: [file('app/x.cue')], says: '1 .cue file, no .yaml/.yml/.json: CUE is not supported' },
    { what: 'Terraform and HCL', entries: [file('app/main.tf'), file('app/vars.hcl')],
      says: '1 .hcl file, 1 .tf file, no .yaml/.yml/.json: HCL (Terraform) is not supported; Terraform is not supported' },
    { what: 'a YAML file without objects', entries: [file('app/empty.yaml')], says: '1 .yaml file; the manifest files hold no objects (or include/exclude select none)' },
    { what: 'files without an extension', entries: [file('app/Makefile')], says: '1 file without extension, no .yaml/.yml/.json' },
    { what: 'nothing', entries: [], says: 'empty folder' },
    { what: 'only subfolders, not read', entries: [folder('app/base')], says: 'no files, 1 subfolder (read only with directory.recurse: true)' },
    { what: 'jsonnet beside an unread subfolder', entries: [file('app/a.jsonnet'), folder('app/sub')],
      says: '1 .jsonnet file, no .yaml/.yml/.json: Jsonnet is not supported; 1 subfolder not read (directory.recurse is false)' },
    { what: 'an empty subtree read recursively', entries: [folder('app/sub')], recursed: true, says: 'empty folder' },
  ];
  for (const { what, entries, recursed, says } of cases) {
    it(`describes ${what}`, () => {
      assert.equal(describeFolderFiles(entries, recursed ?? false), says);
    });
  }
});
