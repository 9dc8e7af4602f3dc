// In-memory AWS Cloud Map (servicediscovery) with the semantics of aws-facts.md §4: RegisterInstance and
// DeregisterInstance are asynchronous operations, a second write to an instance while one is in flight fails with
// DuplicateRequest, re-registering updates the instance, and only completed registrations are visible.

import { isIPv4, isIPv6 } from 'node:net';
import {
  DeregisterInstanceCommand,
  type DeregisterInstanceCommandInput,
  type DeregisterInstanceCommandOutput,
  type DnsRecord,
  GetInstanceCommand,
  type GetInstanceCommandInput,
  type GetInstanceCommandOutput,
  GetNamespaceCommand,
  type GetNamespaceCommandInput,
  type GetNamespaceCommandOutput,
  GetOperationCommand,
  type GetOperationCommandInput,
  type GetOperationCommandOutput,
  GetServiceCommand,
  type GetServiceCommandInput,
  type GetServiceCommandOutput,
  type Instance,
  type InstanceSummary,
  ListInstancesCommand,
  type ListInstancesCommandInput,
  type ListInstancesCommandOutput,
  ListServicesCommand,
  type ListServicesCommandInput,
  type ListServicesCommandOutput,
  type NamespaceType,
  type Operation,
  RegisterInstanceCommand,
  type RegisterInstanceCommandInput,
  type RegisterInstanceCommandOutput,
  type RoutingPolicy,
  type Service,
  type ServiceDiscoveryClient,
  type ServiceType,
} from '@aws-sdk/client-servicediscovery';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { cloudMapErrors } from './aws-errors';
import { canonical, compareAscii, deepCopy, FakeService, pageAfter } from './fake-base';

const INSTANCE_ID = /^[0-9a-zA-Z_/:.@-]+$/;
const ATTRIBUTE_KEY = /^[a-zA-Z0-9!-~]+$/;
const RESERVED_ATTRIBUTES: ReadonlySet<string> = new Set([
  'AWS_INSTANCE_IPV4',
  'AWS_INSTANCE_IPV6',
  'AWS_INSTANCE_PORT',
  'AWS_INSTANCE_CNAME',
  'AWS_ALIAS_DNS_NAME',
  'AWS_INIT_HEALTH_STATUS',
  'AWS_EC2_INSTANCE_ID',
]);
const MAX_CUSTOM_ATTRIBUTES = 30;
const MAX_KEY_LENGTH = 255;
const MAX_VALUE_LENGTH = 1024;
const MAX_TOTAL_ATTRIBUTE_CHARS = 5000;

export interface FakeCloudMapOptions {
  /** Calls after which a submitted operation completes by itself; 0 (default) completes it at once. */
  autoSettleAfterCalls?: number;
  region?: string;
  accountId?: string;
  now?: () => Date;
}

export interface FakeServiceInput {
  id: string;
  name: string;
  namespaceId?: string;
  /** DNS records of the service; none means an HTTP-only service. */
  dnsRecords?: DnsRecord[];
  routingPolicy?: RoutingPolicy;
  type?: ServiceType;
}

/** Decides, when an operation completes, whether it fails (e.g. to model Cloud Map's own Route 53 throttling). */
export type OperationOutcome = (operation: {
  type: 'REGISTER_INSTANCE' | 'DEREGISTER_INSTANCE';
  serviceId: string;
  instanceId: string;
}) => { ErrorCode: string; ErrorMessage: string } | undefined;

interface ServiceState {
  service: Service;
  instances: Map<string, Instance>;
}

interface OperationState {
  operation: Operation;
  serviceId: string;
  instanceId: string;
  creatorRequestId?: string;
  attributes?: Record<string, string>;
  remaining: number;
  /** Created by the call in progress, which therefore does not count towards its completion. */
  fresh: boolean;
}

export class FakeCloudMap extends FakeService {
  autoSettleAfterCalls: number;
  readonly #region: string;
  readonly #accountId: string;
  readonly #now: () => Date;
  readonly #namespaces = new Map<string, { id: string; name: string; type: NamespaceType }>();
  readonly #services = new Map<string, ServiceState>();
  readonly #operations = new Map<string, OperationState>();
  /** `serviceId|instanceId` -> id of the operation in flight for that instance. */
  readonly #inFlight = new Map<string, string>();
  #outcome: OperationOutcome | undefined;
  #operationCounter = 0;

  constructor(options: FakeCloudMapOptions = {}) {
    super('servicediscovery');
    this.autoSettleAfterCalls = options.autoSettleAfterCalls ?? 0;
    this.#region = options.region ?? 'us-east-1';
    this.#accountId = options.accountId ?? '123456789012';
    this.#now = options.now ?? (() => new Date());
  }

  // --- test set-up and observation -----------------------------------------------------------------------------

  addNamespace(input: { id: string; name: string; type?: NamespaceType }): void {
    this.#namespaces.set(input.id, { id: input.id, name: input.name, type: input.type ?? 'DNS_PRIVATE' });
  }

  addService(input: FakeServiceInput): void {
    const dns = input.dnsRecords && input.dnsRecords.length > 0;
    const service: Service = {
      Id: input.id,
      Arn: this.#serviceArn(input.id),
      Name: input.name,
      NamespaceId: input.namespaceId,
      Type: input.type ?? (dns ? 'DNS_HTTP' : 'HTTP'),
      CreateDate: this.#now(),
      ...(dns
        ? { DnsConfig: { RoutingPolicy: input.routingPolicy ?? 'MULTIVALUE', DnsRecords: input.dnsRecords } }
        : {}),
    };
    this.#services.set(input.id, { service: canonical(service), instances: new Map() });
  }

  /** Completes one in-flight operation, or all of them; returns how many completed. */
  settle(operationId?: string): number {
    if (operationId !== undefined) {
      const op = this.#operations.get(operationId);
      if (!op) throw new Error(`FakeCloudMap: no operation ${operationId}`);
      if (!this.#isPending(op)) return 0;
      this.#complete(op);
      return 1;
    }
    const pending = [...this.#operations.values()].filter((op) => this.#isPending(op));
    for (const op of pending) this.#complete(op);
    return pending.length;
  }

  pendingOperations(): string[] {
    return [...this.#operations.values()].filter((op) => this.#isPending(op)).map((op) => op.operation.Id ?? '');
  }

  /** Consulted when an operation completes: return an error to make it end in FAIL without any effect. */
  setOperationOutcome(fn: OperationOutcome | undefined): void {
    this.#outcome = fn;
  }

  /** Visible (registration completed) instances of a service, ordered by id. */
  instances(serviceId: string): Instance[] {
    const state = this.#services.get(serviceId);
    if (!state) throw new Error(`FakeCloudMap: no service ${serviceId}`);
    return [...state.instances.values()].sort((a, b) => compareAscii(a.Id ?? '', b.Id ?? '')).map((i) => deepCopy(i));
  }

  /** JSON-stable deep copy of every service's visible instances, keyed and ordered by service id. */
  snapshot(): Record<string, Instance[]> {
    const out: Record<string, Instance[]> = {};
    for (const id of [...this.#services.keys()].sort(compareAscii)) out[id] = this.instances(id);
    return canonical(out);
  }

  putInstanceDirect(serviceId: string, instance: { Id: string; Attributes: Record<string, string> }): void {
    const state = this.#services.get(serviceId);
    if (!state) throw new Error(`FakeCloudMap: no service ${serviceId}`);
    state.instances.set(instance.Id, canonical({ Id: instance.Id, Attributes: instance.Attributes }));
  }

  deleteInstanceDirect(serviceId: string, instanceId: string): void {
    this.#services.get(serviceId)?.instances.delete(instanceId);
  }

  install(mock: AwsClientStub<ServiceDiscoveryClient>): void {
    this.rejectUnsupported(mock);
    mock.on(RegisterInstanceCommand).callsFake((i: RegisterInstanceCommandInput) => this.registerInstance(i));
    mock.on(DeregisterInstanceCommand).callsFake((i: DeregisterInstanceCommandInput) => this.deregisterInstance(i));
    mock.on(GetOperationCommand).callsFake((i: GetOperationCommandInput) => this.getOperation(i));
    mock.on(GetInstanceCommand).callsFake((i: GetInstanceCommandInput) => this.getInstance(i));
    mock.on(ListInstancesCommand).callsFake((i: ListInstancesCommandInput) => this.listInstances(i));
    mock.on(GetServiceCommand).callsFake((i: GetServiceCommandInput) => this.getService(i));
    mock.on(ListServicesCommand).callsFake((i: ListServicesCommandInput) => this.listServices(i));
    mock.on(GetNamespaceCommand).callsFake((i: GetNamespaceCommandInput) => this.getNamespace(i));
  }

  // --- API --------------------------------------------------------------------------------------------------------

  registerInstance(input: RegisterInstanceCommandInput): Promise<RegisterInstanceCommandOutput> {
    return this.invoke('RegisterInstance', input, (i) => {
      const instanceId = i.InstanceId ?? '';
      if (instanceId.length < 1 || instanceId.length > 64 || !INSTANCE_ID.test(instanceId)) {
        throw cloudMapErrors.invalidInput(
          `InstanceId '${instanceId}' must be 1-64 characters matching ${INSTANCE_ID.source}`,
        );
      }
      if (i.CreatorRequestId !== undefined && i.CreatorRequestId.length > 64) {
        throw cloudMapErrors.invalidInput('CreatorRequestId must be at most 64 characters');
      }
      const attributes = i.Attributes ?? {};
      const problem = attributeProblem(attributes);
      if (problem) throw cloudMapErrors.invalidInput(problem);
      const state = this.#requireService(i.ServiceId);
      const dnsProblem = dnsAttributeProblem(state.service, attributes);
      if (dnsProblem) throw cloudMapErrors.invalidInput(dnsProblem);

      const serviceId = state.service.Id ?? '';
      const running = this.#running(serviceId, instanceId);
      if (running) {
        // Same CreatorRequestId: an SDK retry of the same request (the idempotency token is set before retries).
        const retry =
          running.operation.Type === 'REGISTER_INSTANCE' &&
          i.CreatorRequestId !== undefined &&
          running.creatorRequestId === i.CreatorRequestId;
        if (retry) return { OperationId: running.operation.Id };
        throw cloudMapErrors.duplicateRequest(running.operation.Id ?? '');
      }
      const op = this.#submit('REGISTER_INSTANCE', serviceId, instanceId, {
        attributes,
        ...(i.CreatorRequestId !== undefined ? { creatorRequestId: i.CreatorRequestId } : {}),
      });
      return { OperationId: op.operation.Id };
    });
  }

  deregisterInstance(input: DeregisterInstanceCommandInput): Promise<DeregisterInstanceCommandOutput> {
    return this.invoke('DeregisterInstance', input, (i) => {
      const state = this.#requireService(i.ServiceId);
      const serviceId = state.service.Id ?? '';
      const instanceId = i.InstanceId ?? '';
      const running = this.#running(serviceId, instanceId);
      if (running) throw cloudMapErrors.duplicateRequest(running.operation.Id ?? '');
      if (!state.instances.has(instanceId)) throw cloudMapErrors.instanceNotFound(instanceId);
      const op = this.#submit('DEREGISTER_INSTANCE', serviceId, instanceId, {});
      return { OperationId: op.operation.Id };
    });
  }

  getOperation(input: GetOperationCommandInput): Promise<GetOperationCommandOutput> {
    return this.invoke('GetOperation', input, (i) => {
      const op = this.#operations.get(i.OperationId ?? '');
      if (!op) throw cloudMapErrors.operationNotFound(i.OperationId ?? '');
      return { Operation: op.operation };
    });
  }

  getInstance(input: GetInstanceCommandInput): Promise<GetInstanceCommandOutput> {
    return this.invoke('GetInstance', input, (i) => {
      const state = this.#requireService(i.ServiceId);
      const instance = state.instances.get(i.InstanceId ?? '');
      if (!instance) throw cloudMapErrors.instanceNotFound(i.InstanceId ?? '');
      return { Instance: instance, ResourceOwner: this.#accountId };
    });
  }

  listInstances(input: ListInstancesCommandInput): Promise<ListInstancesCommandOutput> {
    return this.invoke('ListInstances', input, (i) => {
      const max = i.MaxResults ?? 100;
      if (!Number.isInteger(max) || max < 1 || max > 100) throw cloudMapErrors.invalidInput('MaxResults must be 1-100');
      const state = this.#requireService(i.ServiceId);
      const sorted = [...state.instances.values()].sort((a, b) => compareAscii(a.Id ?? '', b.Id ?? ''));
      const page = pageAfter(
        sorted,
        (x) => x.Id ?? '',
        i.NextToken,
        max,
        () => cloudMapErrors.invalidInput('NextToken is invalid'),
      );
      const instances: InstanceSummary[] = page.items.map((x) => ({ Id: x.Id, Attributes: x.Attributes }));
      return {
        Instances: instances,
        ResourceOwner: this.#accountId,
        ...(page.nextToken ? { NextToken: page.nextToken } : {}),
      };
    });
  }

  getService(input: GetServiceCommandInput): Promise<GetServiceCommandOutput> {
    return this.invoke('GetService', input, (i) => ({ Service: this.#serviceView(this.#requireService(i.Id)) }));
  }

  listServices(input: ListServicesCommandInput): Promise<ListServicesCommandOutput> {
    return this.invoke('ListServices', input, (i) => {
      const max = i.MaxResults ?? 100;
      if (!Number.isInteger(max) || max < 1 || max > 100) throw cloudMapErrors.invalidInput('MaxResults must be 1-100');
      const namespaceFilter = i.Filters?.find((f) => f.Name === 'NAMESPACE_ID');
      const namespaces = namespaceFilter?.Values ?? [];
      const services = [...this.#services.values()]
        .map((s) => this.#serviceView(s))
        .filter((s) => !namespaceFilter || namespaces.includes(s.NamespaceId ?? ''))
        .sort((a, b) => compareAscii(a.Id ?? '', b.Id ?? ''));
      const page = pageAfter(
        services,
        (s) => s.Id ?? '',
        i.NextToken,
        max,
        () => cloudMapErrors.invalidInput('NextToken is invalid'),
      );
      return { Services: page.items, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
    });
  }

  getNamespace(input: GetNamespaceCommandInput): Promise<GetNamespaceCommandOutput> {
    return this.invoke('GetNamespace', input, (i) => {
      const ns = this.#namespaces.get(i.Id ?? '');
      if (!ns) throw cloudMapErrors.namespaceNotFound(i.Id ?? '');
      const serviceCount = [...this.#services.values()].filter((s) => s.service.NamespaceId === ns.id).length;
      return {
        Namespace: {
          Id: ns.id,
          Arn: `arn:aws:servicediscovery:${this.#region}:${this.#accountId}:namespace/${ns.id}`,
          Name: ns.name,
          Type: ns.type,
          ServiceCount: serviceCount,
        },
      };
    });
  }

  // --- internals --------------------------------------------------------------------------------------------------

  /** Completion is driven by calls: an operation completes once `autoSettleAfterCalls` later calls have run. */
  protected override afterCall(): void {
    for (const op of [...this.#operations.values()]) {
      if (!this.#isPending(op)) continue;
      if (op.fresh) {
        op.fresh = false;
        continue;
      }
      op.remaining -= 1;
      if (op.remaining <= 0) this.#complete(op);
      else op.operation.Status = 'PENDING';
    }
  }

  #submit(
    type: 'REGISTER_INSTANCE' | 'DEREGISTER_INSTANCE',
    serviceId: string,
    instanceId: string,
    extra: { attributes?: Record<string, string>; creatorRequestId?: string },
  ): OperationState {
    this.#operationCounter += 1;
    const id = `op-${this.#operationCounter.toString(36).padStart(8, '0')}`;
    const now = this.#now();
    const op: OperationState = {
      operation: {
        Id: id,
        Type: type,
        Status: 'SUBMITTED',
        CreateDate: now,
        UpdateDate: now,
        Targets: { SERVICE: serviceId, INSTANCE: instanceId },
      },
      serviceId,
      instanceId,
      remaining: this.autoSettleAfterCalls,
      fresh: true,
      ...extra,
    };
    this.#operations.set(id, op);
    this.#inFlight.set(`${serviceId}|${instanceId}`, id);
    if (this.autoSettleAfterCalls <= 0) this.#complete(op);
    return op;
  }

  #complete(op: OperationState): void {
    const failure = this.#outcome?.({
      type: op.operation.Type as 'REGISTER_INSTANCE' | 'DEREGISTER_INSTANCE',
      serviceId: op.serviceId,
      instanceId: op.instanceId,
    });
    op.operation.UpdateDate = this.#now();
    this.#inFlight.delete(`${op.serviceId}|${op.instanceId}`);
    if (failure) {
      Object.assign(op.operation, { Status: 'FAIL', ...failure });
      return;
    }
    op.operation.Status = 'SUCCESS';
    const instances = this.#services.get(op.serviceId)?.instances;
    if (op.operation.Type === 'REGISTER_INSTANCE') {
      // Re-registering an instance id replaces its attributes (AWS; moto adds a duplicate instead).
      instances?.set(
        op.instanceId,
        canonical({ Id: op.instanceId, Attributes: op.attributes ?? {}, CreatorRequestId: op.creatorRequestId }),
      );
    } else {
      instances?.delete(op.instanceId);
    }
  }

  #isPending(op: OperationState): boolean {
    return op.operation.Status === 'SUBMITTED' || op.operation.Status === 'PENDING';
  }

  #running(serviceId: string, instanceId: string): OperationState | undefined {
    const id = this.#inFlight.get(`${serviceId}|${instanceId}`);
    return id === undefined ? undefined : this.#operations.get(id);
  }

  #serviceArn(id: string): string {
    return `arn:aws:servicediscovery:${this.#region}:${this.#accountId}:service/${id}`;
  }

  /** Accepts a service id or its ARN, as the API does. */
  #requireService(idOrArn: string | undefined): ServiceState {
    const id = (idOrArn ?? '').replace(/^arn:[^:]+:servicediscovery:[^:]*:[^:]*:service\//, '');
    const state = this.#services.get(id);
    if (!state) throw cloudMapErrors.serviceNotFound(idOrArn ?? '');
    return state;
  }

  #serviceView(state: ServiceState): Service {
    return { ...state.service, InstanceCount: state.instances.size };
  }
}

/** aws-facts.md §4: key pattern and lengths, at most 30 custom attributes, 5,000 characters in total. */
function attributeProblem(attributes: Record<string, string>): string | undefined {
  let total = 0;
  let custom = 0;
  for (const [key, value] of Object.entries(attributes)) {
    if (key.length > MAX_KEY_LENGTH || !ATTRIBUTE_KEY.test(key)) {
      return `Attribute key '${key.slice(0, 40)}' must be 1-${MAX_KEY_LENGTH} characters matching ${ATTRIBUTE_KEY.source}`;
    }
    if (typeof value !== 'string' || value.length > MAX_VALUE_LENGTH) {
      return `Attribute value of '${key}' must be a string of at most ${MAX_VALUE_LENGTH} characters`;
    }
    total += key.length + value.length;
    if (!RESERVED_ATTRIBUTES.has(key)) custom += 1;
  }
  if (custom > MAX_CUSTOM_ATTRIBUTES) return `An instance can have at most ${MAX_CUSTOM_ATTRIBUTES} custom attributes`;
  if (total > MAX_TOTAL_ATTRIBUTE_CHARS) {
    return `The total length of attribute keys and values must be at most ${MAX_TOTAL_ATTRIBUTE_CHARS} characters`;
  }
  return undefined;
}

/** The AWS_INSTANCE_* attributes a DNS service needs for its record types (aws-facts.md §4). */
function dnsAttributeProblem(service: Service, attributes: Record<string, string>): string | undefined {
  const ipv4 = attributes.AWS_INSTANCE_IPV4;
  const ipv6 = attributes.AWS_INSTANCE_IPV6;
  const port = attributes.AWS_INSTANCE_PORT;
  if (ipv4 !== undefined && !isIPv4(ipv4)) return `AWS_INSTANCE_IPV4 '${ipv4}' is not a valid IPv4 address`;
  if (ipv6 !== undefined && !isIPv6(ipv6)) return `AWS_INSTANCE_IPV6 '${ipv6}' is not a valid IPv6 address`;
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) <= 65535)) {
    return `AWS_INSTANCE_PORT '${port}' is not a valid port`;
  }
  const types = new Set((service.DnsConfig?.DnsRecords ?? []).map((r) => r.Type));
  if (types.size === 0) return undefined;
  if (attributes.AWS_ALIAS_DNS_NAME !== undefined) {
    const others = Object.keys(attributes).filter((k) => k.startsWith('AWS_INSTANCE_'));
    if (others.length > 0) return `AWS_ALIAS_DNS_NAME cannot be combined with ${others.join(', ')}`;
    if (service.DnsConfig?.RoutingPolicy !== 'WEIGHTED' || types.has('SRV') || types.has('CNAME')) {
      return 'AWS_ALIAS_DNS_NAME requires a WEIGHTED service with only A and/or AAAA records';
    }
    return undefined;
  }
  if (types.has('A') && ipv4 === undefined) return 'AWS_INSTANCE_IPV4 is required for a service with an A record';
  if (types.has('AAAA') && ipv6 === undefined) return 'AWS_INSTANCE_IPV6 is required for a service with an AAAA record';
  if (types.has('SRV') && (port === undefined || (ipv4 === undefined && ipv6 === undefined))) {
    return 'AWS_INSTANCE_PORT and AWS_INSTANCE_IPV4 or AWS_INSTANCE_IPV6 are required for a service with an SRV record';
  }
  if (types.has('CNAME') && attributes.AWS_INSTANCE_CNAME === undefined) {
    return 'AWS_INSTANCE_CNAME is required for a service with a CNAME record';
  }
  return undefined;
}
