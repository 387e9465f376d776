export * from './snowflake.ts';
