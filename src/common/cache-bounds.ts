/**
 * How many entries each in-memory cache keeps. Every cache is an LRU: past its bound the least recently
 * used entry goes, one at a time, so memory stays flat however many bots, keys and connections there are,
 * while the hot ones stay cached. A miss costs one indexed query; an entry costs well under 1 KiB, so each
 * cache is capped at a few MiB to some tens of MiB.
 */
export const CACHE_BOUNDS = {
  /** Principals by key hash: one per bot calling the API lately, plus admin keys. */
  apiKeys: 10_000,
  /** Key hashes just found unknown: a flood of forged keys evicts only its own kind. */
  unknownApiKeys: 10_000,
  /** Decrypted URL keys by bot: every bot whose URLs were issued or called lately. */
  urlKeys: 10_000,
  /** Prepared connections by id, read on every dispatch. */
  connections: 10_000,
  /** Failing connections' circuit state; healthy connections keep none, so this bounds the failing ones. */
  circuits: 10_000,
  /** Runtime signers by bot: bots with background deliveries lately. */
  runtimeSigners: 10_000,
} as const;
