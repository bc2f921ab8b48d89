// The layering of ../shared/DESIGN.md, checked on every test run:
//   src ──► sync ──► diff, health;  src ──► webhooks, diff, health.
// diff/, health/ and webhooks/ are pure leaves; sync/ reaches the world only
// through interfaces it is handed, never through src/.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
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
