import fc from 'fast-check';
import { economy } from './checks';
import { cleanDelivery, fcOptions, NUM_RUNS, PROPERTY_TIMEOUT_MS, scenarioArb } from './harness';

describe('property 4: economy', () => {
  test(
    `duplicate and stale events add no write call, in the same batch, in later batches and in cold containers (${NUM_RUNS} runs)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          scenarioArb({ delivery: cleanDelivery }),
          fc.array(fc.nat(20), { minLength: 1, maxLength: 30 }),
          (scenario, extras) => economy(scenario, extras),
        ),
        fcOptions(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
