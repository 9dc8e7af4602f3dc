import { sdkCalls } from '../../tools/template-check/sdk-calls';
test('probe', () => {
  const r = sdkCalls(process.cwd(), ['functions/sync.ts', 'functions/reconcile.ts']);
  console.log(JSON.stringify({ c: [...r.commands.keys()], u: r.unresolved, f: [...r.byFunction].map(([k, v]) => [k, [...v].sort()]) }, null, 1));
});
