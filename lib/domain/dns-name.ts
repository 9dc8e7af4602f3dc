/**
 * DNS name rules as Route 53 applies them (../shared/aws-facts.md §3.3): names compare lowercase with a trailing dot,
 * Route 53 returns characters outside [a-z0-9-_] as \ooo octal escapes, labels are at most 63 bytes and names at most
 * 255 bytes.
 */

export const MAX_LABEL_BYTES = 63;
export const MAX_NAME_BYTES = 255;

/**
 * Lowercase, trailing dot, octal escapes decoded: the form every comparison in the registrar uses. `\056` (a dot inside
 * a label) stays escaped: decoded, it would read as a label separator and name another record.
 */
export function normaliseName(name: string): string {
  const decoded = name.replace(/\\([0-7]{3})/g, (sequence: string, oct: string) =>
    oct === '056' ? sequence : String.fromCharCode(Number.parseInt(oct, 8)),
  );
  const lower = decoded.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** Why a name is not a valid host name under Route 53 rules, or undefined when it is. */
export function hostNameProblem(fqdn: string): string | undefined {
  const bare = fqdn.endsWith('.') ? fqdn.slice(0, -1) : fqdn;
  if (bare.length === 0) return 'is empty';
  if (Buffer.byteLength(bare, 'utf8') + 1 > MAX_NAME_BYTES) {
    return `is ${Buffer.byteLength(bare, 'utf8') + 1} bytes long; a DNS name may have at most ${MAX_NAME_BYTES}`;
  }
  for (const label of bare.split('.')) {
    const problem = labelProblem(label);
    if (problem) return `label "${label}" ${problem}`;
  }
  return undefined;
}

export function labelProblem(label: string): string | undefined {
  if (label.length === 0) return 'is empty (two dots in a row, or a leading dot)';
  if (Buffer.byteLength(label, 'utf8') > MAX_LABEL_BYTES) {
    return `is ${Buffer.byteLength(label, 'utf8')} bytes long; a DNS label may have at most ${MAX_LABEL_BYTES}`;
  }
  if (!/^[a-z0-9_-]+$/.test(label)) return 'may contain only letters, digits, hyphens and underscores';
  if (label.startsWith('-') || label.endsWith('-')) return 'may not start or end with a hyphen';
  return undefined;
}

/** True when `name` is `zone` itself or a name below it (both normalised). */
export function isWithinZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** `_web._tcp.example.com.` for `web.example.com.`: the service label prefixed to the name it serves. */
export function srvName(fqdn: string, protocol: 'tcp' | 'udp'): string {
  const [first, ...rest] = fqdn.split('.');
  return `_${first}._${protocol}.${rest.join('.')}`;
}

/** ECS task ids: 32 hex characters today, UUIDs for tasks started before the new ARN format. */
const TASK_ID_LABEL = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export const isTaskIdShaped = (label: string): boolean => TASK_ID_LABEL.test(label.toLowerCase());

/**
 * Why a registration name (normalised, inside `zoneDomain`) is one the registrar keeps for itself, or undefined.
 * The registrar writes, beside each name N: per-task SRV targets `<task-id>.N`, SRV records `_<first>._tcp|_udp.<rest>`
 * and ownership records under the `_ecs-registrar` label. A label producing one of those names would add its address
 * to another registration's task (an SRV client of that task reaches the intruder) or forge an ownership record.
 */
export function reservedNameProblem(fqdn: string, zoneDomain: string, ownershipLabel: string): string | undefined {
  const relative = fqdn === zoneDomain ? [] : fqdn.slice(0, -(zoneDomain.length + 1)).split('.');
  if (relative.includes(ownershipLabel))
    return `the label ${ownershipLabel} is reserved for the registrar's ownership records`;
  const first = relative[0];
  if (first !== undefined && isTaskIdShaped(first)) {
    return `its first label "${first}" looks like an ECS task id: <task-id>.<name> is reserved for the SRV targets of the registrar's tasks`;
  }
  if (first?.startsWith('_') && (relative[1] === '_tcp' || relative[1] === '_udp')) {
    return `_<name>._${relative[1].slice(1)}.<domain> is reserved for the registrar's SRV records`;
  }
  return undefined;
}
