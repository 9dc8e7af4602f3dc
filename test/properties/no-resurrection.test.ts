import fc from 'fast-check';
import { noResurrection } from './checks';
import { fcOptions, NUM_RUNS, PROPERTY_TIMEOUT_MS, scenarioArb } from './harness';

describe('property 3: no resurrection', () => {
  test(
    `on the event path, once a task’s stop is applied, no record or instance of it exists at any later point (${NUM_RUNS} runs)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb(), (scenario) => noResurrection(scenario)),
        fcOptions(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
