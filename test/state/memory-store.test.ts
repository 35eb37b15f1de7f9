import { MemoryStateStore } from '../../src/state/memory-store.js';
import { describeStateStoreContract } from './contract.js';

describeStateStoreContract('MemoryStateStore', () => new MemoryStateStore());
