// The typed configuration: one schema (./schema.ts), read once at start-up (./load.ts).
export { ConfigError, type ConfigSources, type Env, loadConfig } from './load.js';
export {
  type Config,
  ConfigSchema,
  type GoogleConfig,
  type MicrosoftConfig,
  MIN_PASSPHRASE,
  type ProviderSettings,
  type SettingEntry,
  type SettingMeta,
  settingEntries,
} from './schema.js';
