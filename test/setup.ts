import 'aws-sdk-client-mock-jest';

// Lambda-only settings must never leak in from the developer's shell into unit tests.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT';
