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
          // Containers without the cache (REGISTRAR_ROUTE53_CACHE_SECONDS=0), as before it: duplicates cost no write.
          (scenario, extras) => economy(scenario, extras, false),
        ),
        fcOptions(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  test(
    `with the sync function's cached view of the zone, duplicates change nothing, retry nothing and cost at most two requests per zone and batch (${NUM_RUNS} runs)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          scenarioArb({ delivery: cleanDelivery }),
          fc.array(fc.nat(20), { minLength: 1, maxLength: 30 }),
          (scenario, extras) => economy(scenario, extras, true),
        ),
        fcOptions(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
