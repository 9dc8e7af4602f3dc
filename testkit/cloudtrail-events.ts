/**
 * Builds `AWS API Call via CloudTrail` events for ECS service calls, shaped like the fixtures in
 * test/fixtures/cloudtrail (aws-facts.md §1.5): requestParameters as the caller sent them, responseElements.service
 * as the API answered (dates rendered as strings, as CloudTrail does).
 */
export function serviceApiCall(
  eventName: 'CreateService' | 'UpdateService' | 'DeleteService',
  requestParameters: Record<string, unknown>,
  responseService?: object,
  options: { time?: string; id?: string } = {},
): Record<string, unknown> {
  const time = options.time ?? new Date().toISOString();
  const service =
    responseService === undefined
      ? undefined
      : JSON.parse(JSON.stringify(responseService, (_k, v) => (v instanceof Date ? v.toISOString() : v)));
  return {
    version: '0',
    id: options.id ?? `ct-${eventName}-${Math.random().toString(16).slice(2)}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ecs',
    account: '123456789012',
    time,
    region: 'us-east-1',
    resources: [],
    detail: {
      eventVersion: '1.08',
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::123456789012:assumed-role/deployer/ci' },
      eventTime: time,
      eventSource: 'ecs.amazonaws.com',
      eventName,
      awsRegion: 'us-east-1',
      sourceIPAddress: '203.0.113.10',
      userAgent: 'aws-sdk-js/3',
      requestParameters,
      responseElements: service ? { service } : null,
      requestID: 'req-example',
      eventID: `evt-${Math.random().toString(16).slice(2)}`,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '123456789012',
      eventCategory: 'Management',
    },
  };
}
