import { ChangeResourceRecordSetsCommand, InvalidChangeBatch, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { Route53Writer } from '../../../lib/aws/route53-writer';
import type { DnsRecord } from '../../../lib/domain/records';
import type { Route53Change } from '../../../lib/plan/plan';

/** Atomic groups (a service's alias records and their ownership record) and the write action of keys anyone may use. */

const r53 = mockClient(Route53Client);
const client = new Route53Client({ region: 'us-east-1' });
const timing = { now: () => 0, random: () => 0.5, sleep: async () => undefined };

const taskRecord = (i: number): DnsRecord => ({
  zoneId: 'Z1',
  name: 'tasks.example.com.',
  type: 'A',
  setIdentifier: `ecs-registrar:o:task${i}`,
  multiValue: true,
  ttl: 60,
  values: [`10.0.${Math.floor(i / 250)}.${i % 250}`],
});
const aliasRecord: DnsRecord = {
  zoneId: 'Z1',
  name: 'web.example.com.',
  type: 'A',
  alias: { dnsName: 'web-1.elb.amazonaws.com.', hostedZoneId: 'Z35SXDOTRQ7X7K', evaluateTargetHealth: false },
};
const txtRecord: DnsRecord = {
  zoneId: 'Z1',
  name: 'web._ecs-registrar.example.com.',
  type: 'TXT',
  setIdentifier: 'ecs-registrar:o:service/prod/web',
  multiValue: true,
  ttl: 60,
  values: ['"heritage=ecs-registrar,owner=o,service=prod/web,types=A"'],
};
const GROUP = 'service:prod/web|Z1|web.example.com.';
const sent = () => r53.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input.ChangeBatch!.Changes!);

beforeEach(() => {
  r53.reset();
  r53
    .on(ChangeResourceRecordSetsCommand)
    .resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
});

describe('Route53Writer atomic groups', () => {
  test('an alias (no SetIdentifier) is CREATEd, so a record written since the read fails the change instead of being overwritten', async () => {
    // Prepare
    const writer = new Route53Writer(client, { timing });
    const changes: Route53Change[] = [
      { provider: 'route53', action: 'CREATE', record: aliasRecord, subject: 'service:prod/web', atomicGroup: GROUP },
      { provider: 'route53', action: 'CREATE', record: txtRecord, subject: 'service:prod/web', atomicGroup: GROUP },
    ];

    // Act
    await writer.apply(changes);

    // Assess
    expect(sent()).toHaveLength(1);
    expect(sent()[0]!.map((c) => `${c.Action} ${c.ResourceRecordSet!.Type}`)).toEqual(['CREATE A', 'UPSERT TXT']);
  });

  test('packing past the request limit never splits a group: it moves whole into the next request', async () => {
    // Prepare: 999 task records fill the first request to one element short of the group's two
    const writer = new Route53Writer(client, { timing, maxRecordsPerRequest: 1000 });
    const tasks: Route53Change[] = Array.from({ length: 999 }, (_, i) => ({
      provider: 'route53',
      action: 'DELETE',
      record: taskRecord(i),
      subject: `task:${i}`,
    }));
    const group: Route53Change[] = [
      { provider: 'route53', action: 'DELETE', record: aliasRecord, subject: 'service:prod/web', atomicGroup: GROUP },
      { provider: 'route53', action: 'DELETE', record: txtRecord, subject: 'service:prod/web', atomicGroup: GROUP },
    ];

    // Act
    await writer.apply([...tasks, ...group]);

    // Assess
    const batches = sent();
    expect(batches).toHaveLength(2);
    expect(batches[0]).toHaveLength(999);
    expect(batches[1]!.map((c) => c.ResourceRecordSet!.Type)).toEqual(['A', 'TXT']);
  });

  test('bisection on InvalidChangeBatch isolates the group as one unit: both its changes are rejected together', async () => {
    // Prepare: any request containing the alias is refused
    r53
      .on(ChangeResourceRecordSetsCommand)
      .callsFake(async (input: { ChangeBatch: { Changes: { ResourceRecordSet: { Name: string } }[] } }) => {
        if (input.ChangeBatch.Changes.some((c) => c.ResourceRecordSet.Name === 'web.example.com.')) {
          throw new InvalidChangeBatch({
            $metadata: {},
            message: "Tried to create resource record set [name='web.example.com.', type='A'] but it already exists",
          });
        }
        return { ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } };
      });
    const writer = new Route53Writer(client, { timing });
    const changes: Route53Change[] = [
      { provider: 'route53', action: 'CREATE', record: taskRecord(1), subject: 'task:1' },
      { provider: 'route53', action: 'CREATE', record: aliasRecord, subject: 'service:prod/web', atomicGroup: GROUP },
      { provider: 'route53', action: 'CREATE', record: taskRecord(2), subject: 'task:2' },
      { provider: 'route53', action: 'CREATE', record: txtRecord, subject: 'service:prod/web', atomicGroup: GROUP },
    ];

    // Act
    const outcomes = await writer.apply(changes);

    // Assess: the TXT was never sent without its alias, and is reported rejected with it
    for (const batch of sent()) {
      const names = batch.map((c) => c.ResourceRecordSet!.Name);
      expect(names.includes('web._ecs-registrar.example.com.')).toBe(names.includes('web.example.com.'));
    }
    const status = Object.fromEntries(
      outcomes.map((o) => [`${o.change.record.name} ${o.change.record.type}`, o.status]),
    );
    expect(status).toEqual({
      'tasks.example.com. A': 'applied',
      'web.example.com. A': 'rejected',
      'web._ecs-registrar.example.com. TXT': 'rejected',
    });
    expect(outcomes.filter((o) => o.status === 'applied')).toHaveLength(2);
  });

  test("a group's deletes go ahead of its creates in the request (a CNAME replacing an alias)", async () => {
    // Prepare
    const writer = new Route53Writer(client, { timing });
    const cname: DnsRecord = {
      zoneId: 'Z1',
      name: 'web.example.com.',
      type: 'CNAME',
      ttl: 60,
      values: ['web-1.elb.amazonaws.com.'],
    };
    const newTxt = { ...txtRecord, values: ['"heritage=ecs-registrar,owner=o,service=prod/web,types=CNAME"'] };
    const changes: Route53Change[] = [
      { provider: 'route53', action: 'DELETE', record: aliasRecord, subject: 'service:prod/web', atomicGroup: GROUP },
      {
        provider: 'route53',
        action: 'UPDATE',
        record: newTxt,
        previous: txtRecord,
        subject: 'service:prod/web',
        atomicGroup: GROUP,
      },
      { provider: 'route53', action: 'CREATE', record: cname, subject: 'service:prod/web', atomicGroup: GROUP },
    ];

    // Act
    await writer.apply(changes);

    // Assess
    expect(sent()[0]!.map((c) => `${c.Action} ${c.ResourceRecordSet!.Type}`)).toEqual([
      'DELETE A',
      'DELETE TXT',
      'UPSERT TXT',
      'CREATE CNAME',
    ]);
  });
});
