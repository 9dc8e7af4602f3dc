import fc from 'fast-check';
import { convergence } from './checks';
import { fcOptions, NUM_RUNS, PROPERTY_TIMEOUT_MS, scenarioArb } from './harness';

describe('property 1: convergence', () => {
  test(
    `any history, delivered with duplicates, reordering, loss, random batches and faults, plus one reconcile, converges (${NUM_RUNS} runs)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb(), (scenario) => convergence(scenario)),
        fcOptions(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
