// The typed configuration: one schema (./schema.ts), read once at start-up (./load.ts).
export { loadConfig } from './load.js';
export type { Config } from './schema.js';
