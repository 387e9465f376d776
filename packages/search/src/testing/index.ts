export { runSearchContract, type SearchWorld } from './contract.ts';
export { documentFactory, request } from './documents.ts';
