/**
 * What an owned entry belongs to, as the plan and the reports name it: `task:<task-id>` for a task's records and
 * instances, `service:<cluster>/<service>` for a service's alias records. One codec, so no caller slices strings:
 * ECS names cannot contain `/` or `:` in a task id, so both shapes parse back unambiguously.
 */
export type Subject = { kind: 'task'; taskId: string } | { kind: 'service'; cluster: string; service: string };

const TASK = 'task:';
const SERVICE = 'service:';

export const taskSubject = (taskId: string): string => `${TASK}${taskId}`;
export const serviceSubject = (s: { clusterName: string; serviceName: string }): string =>
  `${SERVICE}${s.clusterName}/${s.serviceName}`;

export const isTaskSubject = (subject: string): boolean => subject.startsWith(TASK);
export const isServiceSubject = (subject: string): boolean => subject.startsWith(SERVICE);

/** The task id of a task subject, undefined for any other subject. */
export const taskIdOfSubject = (subject: string): string | undefined =>
  isTaskSubject(subject) ? subject.slice(TASK.length) : undefined;

/** The subject as a value; undefined for a string that is neither shape. */
export function parseSubject(subject: string): Subject | undefined {
  const taskId = taskIdOfSubject(subject);
  if (taskId) return { kind: 'task', taskId };
  if (!isServiceSubject(subject)) return undefined;
  const rest = subject.slice(SERVICE.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return undefined;
  return { kind: 'service', cluster: rest.slice(0, slash), service: rest.slice(slash + 1) };
}

/** The cluster a subject names, when it names one (a task subject does not: its mark says where it runs). */
export const clusterOfSubject = (subject: string): string | undefined => {
  const s = parseSubject(subject);
  return s?.kind === 'service' ? s.cluster : undefined;
};
