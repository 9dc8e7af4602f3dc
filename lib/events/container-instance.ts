import { parseEcsArn } from './arn';
import { InvalidEventError } from './errors';

export const CONTAINER_INSTANCE_STATE_CHANGE = 'ECS Container Instance State Change';

/**
 * An `ECS Container Instance State Change` event, as far as drain needs it (aws-facts.md §1.1: these events carry
 * `detail.version`). When an instance turns DRAINING, ECS moves its tasks elsewhere; the registrar withdraws them from
 * DNS at once (README "Health-aware registration and drain").
 */
export interface ContainerInstanceFact {
  containerInstanceArn: string;
  clusterArn: string;
  clusterName: string;
  region: string;
  /** `ACTIVE`, `DRAINING`, `INACTIVE`, `REGISTERING`, ... (kept as given: ECS adds values). */
  status: string;
  version?: number;
  eventTime?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseContainerInstanceFact(detail: unknown, prefix = 'detail'): ContainerInstanceFact {
  if (!isObject(detail)) throw new InvalidEventError(prefix, 'must be an object');
  const instance = parseEcsArn(detail.containerInstanceArn, `${prefix}.containerInstanceArn`, 'container-instance');
  const cluster = parseEcsArn(detail.clusterArn, `${prefix}.clusterArn`, 'cluster');
  if (instance.cluster && instance.cluster !== cluster.id) {
    throw new InvalidEventError(
      `${prefix}.containerInstanceArn`,
      `names cluster "${instance.cluster}" but clusterArn is "${cluster.id}"`,
    );
  }
  if (typeof detail.status !== 'string' || detail.status.length === 0)
    throw new InvalidEventError(`${prefix}.status`, 'must be a non-empty string');
  const version = detail.version;
  if (version !== undefined && (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0))
    throw new InvalidEventError(`${prefix}.version`, `must be a non-negative integer, got ${JSON.stringify(version)}`);
  return {
    containerInstanceArn: instance.arn,
    clusterArn: cluster.arn,
    clusterName: cluster.id,
    region: instance.region,
    status: detail.status,
    ...(version === undefined ? {} : { version }),
  };
}
