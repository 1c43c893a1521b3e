export { PayloadIndexSet, schemaType } from './payload-index-set.js';
export type { TokenizerConfig } from './tokenizer.js';
