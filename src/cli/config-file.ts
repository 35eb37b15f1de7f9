import { resolve } from 'node:path';
import { ConfigError, loadConfig, type LoadedConfig } from '../config/config.js';
import { UsageError, type CliIo } from './io.js';

/** A config that cannot be used stops the command as a usage error (exit 2), in the loader's own words. */
export function asUsageError(error: unknown): never {
  if (error instanceof ConfigError) throw new UsageError(error.message);
  throw error;
}

/** The config file a command names, relative to its working directory, with the environment's `${VAR}`s. */
export function loadConfigFile(path: string, io: CliIo): Promise<LoadedConfig> {
  return loadConfig(resolve(io.cwd, path), io.env).catch(asUsageError);
}
