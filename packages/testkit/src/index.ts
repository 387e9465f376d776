export * from './accounts.ts';
export * from './generated/graphql.ts';
export * from './gochat-process.ts';
export * from './graphql-client.ts';
export * from './postgres.ts';
export * from './real-servers.ts';
export * from './smtp-sink.ts';
export * from './bus-recorder.ts';
