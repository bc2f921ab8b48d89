// The layering of ../shared/DESIGN.md, checked on every test run:
//   src ──► sync ──► diff, health;  src ──► webhooks, diff, health.
// diff/, health/ and webhooks/ are pure leaves; sync/ reaches the world only
// through interfaces it is handed, never through src/. Cycles are forbidden
// between files and between folders (src/render and src/source importing each
// other is one module spread over two folders, even with no file-level cycle).
/**
 * Folder cycles are checked by a cruise of the product folders without unit tests
 * (`folderForbidden`, `folderOptions`, run by layering.test.ts): a unit test beside
 * the code may use a helper under test/, and test/ imports src/, which is no cycle
 * of the product. So they are not among `forbidden`, which sees tests too.
 */
const folderForbidden = [
  {
    name: 'no-folder-cycles',
    comment: 'Folders depend one way: when two import each other (even through others), a type or function sits in the wrong one; move it.',
    severity: 'error',
    scope: 'folder',
    from: {},
    to: { circular: true },
  },
];

/** @type {import('dependency-cruiser').IConfiguration & { folderForbidden: unknown[], folderOptions: object }} */
module.exports = {
  folderForbidden,
  folderOptions: { exclude: { path: '\\.test\\.ts$' } },
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'Import cycles hide the real dependency direction.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'leaves-stay-leaves',
      comment: 'diff/, health/ and webhooks/ are pure: they import neither src/ nor sync/.',
      severity: 'error',
      from: { path: '^(diff|health|webhooks)/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(src|sync)/' },
    },
    {
      name: 'sync-does-not-reach-src',
      comment: 'sync/ works through the narrow interfaces src/ hands it.',
      severity: 'error',
      from: { path: '^sync/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'leaves-do-not-import-each-other-sideways',
      comment: 'A leaf that needs another leaf is a hint that a shared type belongs in a smaller module.',
      severity: 'error',
      from: { path: '^webhooks/' },
      to: { path: '^(diff|health)/' },
    },
    {
      name: 'shared-objects-are-the-leaf-of-leaves',
      comment: 'objects.ts holds the primitives every layer shares; it imports nothing of Berth.',
      severity: 'error',
      from: { path: '^objects\\.ts$' },
      to: { path: '^(src|sync|diff|health|webhooks|test|bench|examples)/' },
    },
    {
      name: 'health-does-not-need-diff',
      comment: 'Shared object types live in objects.ts, so health/ never imports diff/ (nor diff/ health/).',
      severity: 'error',
      from: { path: '^(health|diff)/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(diff|health)/', pathNot: '^$1/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    // No tsConfig here: its paths plugin treats the project root as a module
    // folder, so the npm package `diff` would resolve to our own diff/ folder.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
