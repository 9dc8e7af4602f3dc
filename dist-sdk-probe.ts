import { sdkCalls } from './tools/template-check/sdk-calls';
const r = sdkCalls('/work/wt/deploy', ['functions/sync.ts', 'functions/reconcile.ts']);
console.log([...r.commands.keys()], r.unresolved);
for (const [f, s] of r.byFunction) console.log(f, [...s].sort());
