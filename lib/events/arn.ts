import { InvalidEventError } from './errors';

/**
 * ECS ARNs come in two formats (../shared/aws-facts.md §1.2): the old `task/<id>` and the long `task/<cluster>/<id>`
 * (likewise `service/...` and `container-instance/...`). Both are parsed; the cluster is absent in the old format.
 */
export interface EcsArn {
  arn: string;
  partition: string;
  region: string;
  account: string;
  resourceType: string;
  /** Cluster name, when the ARN carries it (long format). */
  cluster?: string;
  /** The last path element: task id, service name, cluster name, `family:revision`, container instance id. */
  id: string;
}

const ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):ecs:([a-z0-9-]+):(\d{12}):([a-z-]+)\/(.+)$/;
const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const ID = /^[A-Za-z0-9-]{1,64}$/;

export function parseEcsArn(value: unknown, field: string, expectedType: string): EcsArn {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidEventError(field, `must be a non-empty ${expectedType} ARN string`);
  }
  const m = ARN.exec(value);
  if (!m)
    throw new InvalidEventError(field, `"${truncate(value)}" is not an ECS ARN (arn:aws:ecs:<region>:<account>:...)`);
  const [, partition, region, account, resourceType, path] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (resourceType !== expectedType) {
    throw new InvalidEventError(field, `"${truncate(value)}" is a ${resourceType} ARN, expected a ${expectedType} ARN`);
  }
  const parts = path.split('/');
  const base = { arn: value, partition, region, account, resourceType };
  if (expectedType === 'task-definition') {
    if (parts.length !== 1 || !/^[A-Za-z0-9_-]{1,255}:\d+$/.test(parts[0]!)) {
      throw new InvalidEventError(field, `"${truncate(value)}" must end in task-definition/<family>:<revision>`);
    }
    return { ...base, id: parts[0]! };
  }
  if (expectedType === 'cluster') {
    if (parts.length !== 1 || !NAME.test(parts[0]!)) {
      throw new InvalidEventError(field, `"${truncate(value)}" must end in cluster/<name>`);
    }
    return { ...base, id: parts[0]! };
  }
  const idPattern = expectedType === 'service' ? NAME : ID;
  if (parts.length === 1 && idPattern.test(parts[0]!)) return { ...base, id: parts[0]! };
  if (parts.length === 2 && NAME.test(parts[0]!) && idPattern.test(parts[1]!)) {
    return { ...base, cluster: parts[0]!, id: parts[1]! };
  }
  throw new InvalidEventError(
    field,
    `"${truncate(value)}" must end in ${expectedType}/<id> or ${expectedType}/<cluster>/<id>`,
  );
}

/** The cluster name from a cluster name or ARN, as CloudTrail and the configuration may give either. */
export function clusterNameOf(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? (nameOrArn.split('/').pop() ?? nameOrArn) : nameOrArn;
}

function truncate(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
