// The EventBridge patterns live as JSON data so that template.yaml, the tests and the docs share one definition.
import cloudTrailServicePattern from './cloudtrail-service.pattern.json';
import containerInstanceDrainingPattern from './container-instance-draining.pattern.json';
import taskStateChangePattern from './task-state-change.pattern.json';

export { cloudTrailServicePattern, containerInstanceDrainingPattern, taskStateChangePattern };
