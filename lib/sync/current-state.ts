import type { CloudMapReader } from '../aws/cloudmap';
import type { Route53Reader } from '../aws/route53-reader';
import type { EndpointSet } from '../plan/plan';
import type { Scope } from './registrations';

/**
 * What is currently registered where a set of registrations lives: every record at and below the names (owned or
 * not, so the plan can see conflicts) and every instance of the Cloud Map services. Zones are read sequentially to
 * respect Route 53's account-wide rate; Cloud Map services in parallel.
 */
export async function readCurrent(
  route53: Route53Reader,
  cloudMap: CloudMapReader,
  scope: Scope,
): Promise<EndpointSet> {
  const records = [];
  for (const [zoneId, names] of scope.names) records.push(...(await route53.recordsUnder(zoneId, names)));
  const instances = (await Promise.all([...scope.services].map((id) => cloudMap.instances(id)))).flat();
  return { records, instances };
}
