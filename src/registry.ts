// The one file of src/ that names the built-in providers. Everything else is derived from this list: the provider
// ids, the `providerIds` and config schemas, the commands' help and errors, the sandbox's routes and credentials, the
// build entries and the package's `exports` (test/pack/registry.test.ts checks those two). The top-level `--help`
// loads no registry (issue 13): its first line is package.json's `description`, which a test checks names each
// provider here, in this order. Adding a provider to the
// package: its folder `adapters/<id>/` (the id is the folder's name), its fixtures and tests, and its line here.
// Definitions, not factories: the model and the config read them, and a factory would import them back.
import { definition as bluetape } from '../adapters/bluetape/definition.js';
import { definition as fatora } from '../adapters/fatora/definition.js';
import { definition as invisibleCollector } from '../adapters/invisible-collector/definition.js';
import { definition as yativo } from '../adapters/yativo/definition.js';

/** The built-in providers, in the order help, reports, the sandbox and the demo list them. */
export const BUILT_IN_DEFINITIONS = [yativo, fatora, bluetape, invisibleCollector] as const;
