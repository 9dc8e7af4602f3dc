// In-memory EC2 for the two lookups the registrar makes: a container instance's host IPs (DescribeInstances) and
// a task ENI's public IP (DescribeNetworkInterfaces, aws-facts.md §1.2).

import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  type DescribeInstancesCommandOutput,
  DescribeNetworkInterfacesCommand,
  type DescribeNetworkInterfacesCommandInput,
  type DescribeNetworkInterfacesCommandOutput,
  type EC2Client,
  type Instance,
  type NetworkInterface,
} from '@aws-sdk/client-ec2';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { ec2Errors } from './aws-errors';
import { compareAscii, FakeService } from './fake-base';

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const ENI_ID = /^eni-[0-9a-f]{8,17}$/;

export interface FakeEc2InstanceInput {
  instanceId: string;
  privateIp: string;
  publicIp?: string;
  ipv6?: string;
}

export interface FakeEc2NetworkInterfaceInput {
  eniId: string;
  privateIp: string;
  publicIp?: string;
  ipv6s?: string[];
}

export class FakeEc2 extends FakeService {
  readonly #instances = new Map<string, Instance>();
  readonly #interfaces = new Map<string, NetworkInterface>();

  constructor() {
    super('ec2');
  }

  addInstance(input: FakeEc2InstanceInput): void {
    if (!INSTANCE_ID.test(input.instanceId)) throw new Error(`FakeEc2: '${input.instanceId}' is not an instance id`);
    this.#instances.set(input.instanceId, {
      InstanceId: input.instanceId,
      State: { Code: 16, Name: 'running' },
      PrivateIpAddress: input.privateIp,
      PrivateDnsName: `ip-${input.privateIp.replaceAll('.', '-')}.ec2.internal`,
      ...(input.publicIp !== undefined ? { PublicIpAddress: input.publicIp } : {}),
      ...(input.ipv6 !== undefined ? { Ipv6Address: input.ipv6 } : {}),
    });
  }

  addNetworkInterface(input: FakeEc2NetworkInterfaceInput): void {
    if (!ENI_ID.test(input.eniId)) throw new Error(`FakeEc2: '${input.eniId}' is not a network interface id`);
    const association = input.publicIp !== undefined ? { Association: { PublicIp: input.publicIp } } : {};
    this.#interfaces.set(input.eniId, {
      NetworkInterfaceId: input.eniId,
      Status: 'in-use',
      InterfaceType: 'interface',
      PrivateIpAddress: input.privateIp,
      PrivateIpAddresses: [{ PrivateIpAddress: input.privateIp, Primary: true, ...association }],
      Ipv6Addresses: (input.ipv6s ?? []).map((Ipv6Address) => ({ Ipv6Address })),
      ...association,
    });
  }

  install(mock: AwsClientStub<EC2Client>): void {
    this.rejectUnsupported(mock);
    mock.on(DescribeInstancesCommand).callsFake((i: DescribeInstancesCommandInput) => this.describeInstances(i));
    mock
      .on(DescribeNetworkInterfacesCommand)
      .callsFake((i: DescribeNetworkInterfacesCommandInput) => this.describeNetworkInterfaces(i));
  }

  describeInstances(input: DescribeInstancesCommandInput): Promise<DescribeInstancesCommandOutput> {
    return this.invoke('DescribeInstances', input, (i) => {
      if (i.Filters !== undefined) throw new Error('FakeEc2 does not implement DescribeInstances Filters');
      const ids = i.InstanceIds ?? [...this.#instances.keys()].sort(compareAscii);
      if (ids.length > 0 && i.MaxResults !== undefined) {
        throw ec2Errors.code(
          'InvalidParameterCombination',
          'The parameter instancesSet cannot be used with the parameter maxResults',
        );
      }
      const malformed = ids.find((id) => !INSTANCE_ID.test(id));
      if (malformed) throw ec2Errors.code('InvalidInstanceID.Malformed', `Invalid id: "${malformed}"`);
      const missing = ids.filter((id) => !this.#instances.has(id));
      if (missing.length > 0) throw ec2Errors.instanceNotFound(missing);
      return {
        Reservations: ids.map((id, n) => ({
          ReservationId: `r-${n.toString(16).padStart(17, '0')}`,
          Instances: [this.#instances.get(id) ?? {}],
        })),
      };
    });
  }

  describeNetworkInterfaces(
    input: DescribeNetworkInterfacesCommandInput,
  ): Promise<DescribeNetworkInterfacesCommandOutput> {
    return this.invoke('DescribeNetworkInterfaces', input, (i) => {
      if (i.Filters !== undefined) throw new Error('FakeEc2 does not implement DescribeNetworkInterfaces Filters');
      const ids = i.NetworkInterfaceIds ?? [...this.#interfaces.keys()].sort(compareAscii);
      // aws-facts.md §1.2: MaxResults cannot be combined with NetworkInterfaceIds.
      if (i.NetworkInterfaceIds !== undefined && i.MaxResults !== undefined) {
        throw ec2Errors.code(
          'InvalidParameterCombination',
          'The parameter NetworkInterfaceIds cannot be used with the parameter maxResults',
        );
      }
      const malformed = ids.find((id) => !ENI_ID.test(id));
      if (malformed) throw ec2Errors.code('InvalidNetworkInterfaceID.Malformed', `Invalid id: "${malformed}"`);
      const missing = ids.find((id) => !this.#interfaces.has(id));
      if (missing) throw ec2Errors.networkInterfaceNotFound(missing);
      return { NetworkInterfaces: ids.map((id) => this.#interfaces.get(id) ?? {}) };
    });
  }
}
